/**
 * Issue 11: spoken text is always segmented (≤ 400 characters a segment, at word boundaries when no sentence
 * boundary comes, hard through a single longer token), whatever the engine can do and whatever the text is:
 * plain text, an alias, a say-as expansion or IPA. The pipeline part runs real audio through espeak-ng, once
 * as it is and once as an engine that reports no word timestamps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Engine, EngineSegment } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { createPipeline, type PipelineVoice } from '../../src/synthesis/pipeline.js';
import { planFromData } from '../../src/synthesis/ssml/index.js';
import { MAX_SEGMENT_CHARS, splitIntoSegments } from '../../src/synthesis/segmenter.js';
import { ESPEAK_VOICE } from '../support/engines.js';

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

function assertSegments(text: string, segments: readonly string[]): void {
  assert.equal(segments.join(''), text, 'the segments join back to the input');
  for (const [index, segment] of segments.entries()) {
    assert.ok(segment.length > 0 && segment.length <= MAX_SEGMENT_CHARS, `segment ${index} has ${segment.length} code units`);
    assert.ok(!isHigh(segment.charCodeAt(segment.length - 1)), `segment ${index} ends inside a surrogate pair`);
  }
}

describe('splitIntoSegments', () => {
  it('a long sentence with no sentence end is cut after whitespace, every piece within the limit', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    for (const separator of [' ', '\n', '\t', '\u00a0']) {
      const text = words.join(separator);
      const segments = splitIntoSegments(text);
      assertSegments(text, segments);
      assert.ok(segments.length >= Math.ceil(text.length / MAX_SEGMENT_CHARS));
      for (const segment of segments.slice(0, -1)) assert.ok(segment.endsWith(separator), `cut at a word boundary: ${JSON.stringify(segment.slice(-8))}`);
    }
  });
  it('a single token longer than a segment is cut hard, never inside a surrogate pair', () => {
    const token = 'x'.repeat(1000);
    assertSegments(token, splitIntoSegments(token));
    assert.deepEqual(splitIntoSegments(token).map((s) => s.length), [400, 400, 200]);
    const emoji = `a${'😀'.repeat(300)}`;
    const segments = splitIntoSegments(emoji);
    assertSegments(emoji, segments);
    assert.equal(segments[0]!.length, 399, 'the cut moves back one unit rather than split a pair');
  });
  it('sentences stay whole when they fit', () => {
    assert.deepEqual(splitIntoSegments('One. Two! Three? Four'), ['One. ', 'Two! ', 'Three? ', 'Four']);
  });
  it('property: any text joins back, no segment over the limit or ending in half a pair', () => {
    const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom(' ', '. ', '\n', 'x'.repeat(450), '😀'.repeat(250))), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, (input) => assertSegments(input, splitIntoSegments(input))), { numRuns: 300 });
  });
});

describe('the pipeline segments every kind of speech, whatever the engine', () => {
  let espeak: Engine;
  before(async () => {
    espeak = createEspeakEngine({ workers: 1 });
    await espeak.ready();
  });
  after(() => espeak.close());

  const voice: PipelineVoice = { engine: ESPEAK_VOICE.engine, spec: ESPEAK_VOICE.spec, language: ESPEAK_VOICE.language, gender: ESPEAK_VOICE.gender };
  const alias = Array.from({ length: 300 }, (_, i) => `alias${i}`).join(' ');
  const ipa = Array.from({ length: 200 }, () => 'həˈloʊ wɜːld').join(' ');
  const cases: Record<string, string> = {
    'plain text without a sentence end': Array.from({ length: 500 }, (_, i) => `w${i}`).join(' '),
    'one 1,200-character token': 'y'.repeat(1200),
    '<sub alias> of 2,000 characters': `<speak><sub alias="${alias}">x</sub></speak>`,
    '<phoneme ph> of 2,400 characters': `<speak><phoneme alphabet="ipa" ph="${ipa}">hello</phoneme></speak>`,
    '<say-as interpret-as="digits"> of 300 digits': `<speak><say-as interpret-as="digits">${'7'.repeat(300)}</say-as></speak>`,
  };

  /** The engine as it is, and as one without word timestamps (which once skipped segmenting). */
  function engines(): Record<string, Engine> {
    const wordless: Engine = { ...espeak, capabilities: { ...espeak.capabilities, timestamps: { words: false, phonemes: true } } };
    return { 'espeak-ng': espeak, 'an engine without word timestamps': wordless };
  }

  for (const [what, data] of Object.entries(cases)) {
    it(`${what}: every engine segment ≤ ${MAX_SEGMENT_CHARS}, spoken text kept whole`, async () => {
      for (const [name, base] of Object.entries(engines())) {
        const seen: EngineSegment[] = [];
        const recording: Engine = { ...base, synthesize: (segment, signal) => { seen.push(segment); return base.synthesize(segment, signal); } };
        const pipeline = createPipeline({ engine: () => recording });
        const plan = planFromData(data);
        let samples = 0;
        let graph = '';
        for await (const chunk of pipeline.run({ plan, voice, signal: new AbortController().signal })) {
          samples += chunk.samples.length;
          graph += chunk.alignment.graph_chars.join('');
        }
        assert.ok(seen.length >= 2, `${name}: ${seen.length} segment(s)`);
        for (const segment of seen) {
          const length = (segment.ipa ?? segment.text).length;
          assert.ok(length <= MAX_SEGMENT_CHARS, `${name}: a segment of ${length} characters`);
        }
        const spoken = plan.items.map((item) => (item.kind === 'speech' ? item.ipa ?? item.spoken : '')).join('');
        assert.equal(seen.map((segment) => segment.ipa ?? segment.text).join(''), spoken, `${name}: the segments are the spoken text`);
        assert.ok(samples > base.capabilities.sampleRate, `${name}: audio was made (${samples} samples)`);
        assert.equal(graph, plan.items.map((item) => (item.kind === 'mark' ? '' : item.written)).join(''), `${name}: graph_chars are the written text`);
      }
    });
  }
});
