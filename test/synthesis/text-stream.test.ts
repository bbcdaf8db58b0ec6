/**
 * Issue 15, text streaming's own rules without a server: where a clause is cut, that the clauses always join
 * back to the text however it arrives, the limits, flush, the idle end, and the join of clauses that continue
 * a sentence (their leading silence goes, their events move with it).
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import type { EngineChunk } from '../../src/engines/engine.js';
import { continuesSentence, withoutLeadingSilence } from '../../src/synthesis/clause-join.js';
import type { SynthesisPlan } from '../../src/synthesis/plan.js';
import { clauseCut, MAX_CLAUSE_CHARS, TextStream } from '../../src/synthesis/text-stream.js';

function written(plan: SynthesisPlan): string {
  return plan.items.map((item) => (item.kind === 'speech' ? item.written : '')).join('');
}

/** Reads every plan the stream yields until it ends or fails. */
async function collect(stream: TextStream): Promise<{ clauses: string[]; error?: unknown }> {
  const clauses: string[] = [];
  try {
    for await (const plan of stream.plans()) clauses.push(written(plan));
    return { clauses };
  } catch (error) {
    return { clauses, error };
  }
}

function open(options: Partial<{ maxChars: number; idleMs: number; signal: AbortSignal }> = {}): TextStream {
  return new TextStream({ maxChars: 20_000, idleMs: 60_000, signal: new AbortController().signal, ...options });
}

describe('clauseCut', () => {
  it('cuts after the last clause end followed by whitespace, not inside a number or an abbreviation without a space', () => {
    assert.equal(clauseCut('Hello there'), 0);
    assert.equal(clauseCut('Hello, '), 7);
    assert.equal(clauseCut('Hello,'), 0, 'the whitespace after the comma is what makes it an end');
    assert.equal(clauseCut('It costs 3.5 dollars'), 0);
    assert.equal(clauseCut('One. Two, three'), 10);
    assert.equal(clauseCut('Why?" she asked'), 6);
  });

  it('past the clause length, cuts after the last whitespace; one endless token waits for the segment limit', () => {
    const words = 'word '.repeat(40);
    assert.ok(words.length > MAX_CLAUSE_CHARS);
    assert.equal(clauseCut(`${words}tail`), words.length);
    assert.equal(clauseCut('x'.repeat(MAX_CLAUSE_CHARS + 10)), 0);
    assert.equal(clauseCut('x'.repeat(500)), 400);
  });
});

describe('TextStream', () => {
  it('speaks each clause as it completes and the rest at the end; the clauses join back to the text, however it was cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('Hello', ' ', ',', '.', 'world', '3.5', '!', '\n', 'é', '👋', 'a'.repeat(60)), { maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 40 }), async (pieces, flushes) => {
        const stream = open();
        const reading = collect(stream);
        pieces.forEach((piece, index) => {
          stream.append(piece);
          if (flushes[index] === true) stream.flush();
        });
        stream.end();
        const { clauses, error } = await reading;
        assert.equal(error, undefined);
        assert.equal(clauses.join(''), pieces.join(''));
        assert.ok(clauses.every((clause) => clause.length > 0));
      }),
    );
  });

  it('holds text until a clause ends, and flush speaks what it holds at once', async () => {
    const stream = open();
    const plans = stream.plans();
    stream.append('The birch canoe');
    stream.append(' slid,');
    stream.append(' on');
    assert.equal(written((await plans.next()).value as SynthesisPlan), 'The birch canoe slid, ');
    stream.append(' the smooth');
    stream.flush();
    assert.equal(written((await plans.next()).value as SynthesisPlan), 'on the smooth');
    stream.end();
    assert.equal((await plans.next()).done, true);
    assert.equal(stream.open, false);
  });

  it('is TextTooLong past its written limit (the text of all messages together) and past twice that spoken', async () => {
    const long = open({ maxChars: 100 });
    const reading = collect(long);
    long.append('Fifty characters of text, all of them plain words. ');
    long.append('And fifty more characters that go over the limit...');
    const { error } = await reading;
    assert.equal((error as { kind?: string }).kind, 'too-long');
    assert.equal(long.open, false);

    // Lone letters are read by their names and cost ten characters each (budget.ts).
    const letters = open({ maxChars: 100 });
    const spelled = collect(letters);
    for (let i = 0; i < 30; i += 1) {
      letters.append('a ');
      letters.flush();
    }
    assert.equal(((await spelled).error as { kind?: string }).kind, 'too-long');
  });

  it('ends by itself after the idle time without text, speaking what it holds', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const stream = open({ idleMs: 30_000 });
      const reading = collect(stream);
      stream.append('Half a clause');
      mock.timers.tick(20_000);
      stream.append(' and more');
      mock.timers.tick(29_999);
      assert.equal(stream.open, true, 'each text restarts the idle clock');
      mock.timers.tick(1);
      assert.equal(stream.open, false);
      assert.deepEqual((await reading).clauses, ['Half a clause and more']);
    } finally {
      mock.timers.reset();
    }
  });

  it('an abort ends it quietly: nothing more is spoken', async () => {
    const abort = new AbortController();
    const stream = open({ signal: abort.signal });
    const reading = collect(stream);
    stream.append('Never spoken');
    abort.abort();
    assert.deepEqual(await reading, { clauses: [] });
  });
});

describe('joining clauses', () => {
  it('a clause continues the sentence unless the previous one ended it', () => {
    assert.equal(continuesSentence('The birch canoe slid, '), true);
    assert.equal(continuesSentence('cut at a word '), true);
    assert.equal(continuesSentence('It ended. '), false);
    assert.equal(continuesSentence('"Really?" '), false);
    assert.equal(continuesSentence(''), false);
  });

  it('drops the leading silence (up to the limit) and moves the events back with it', async () => {
    async function* chunks(): AsyncGenerator<EngineChunk> {
      yield { samples: new Int16Array(100), words: [{ textStart: 0, textLength: 3, sample: 150 }], phonemes: [{ ipa: 'ð', sample: 150 }] };
      yield { samples: Int16Array.from([0, 0, 5, 2000, -3000, 0]), words: [], phonemes: [{ ipa: 'ə', sample: 104 }] };
      yield { samples: Int16Array.from([7, 8]), words: [], phonemes: [{ ipa: 'x', sample: 106 }] };
    }
    const out: EngineChunk[] = [];
    for await (const chunk of withoutLeadingSilence(chunks(), 1000)) out.push(chunk);
    assert.deepEqual(Array.from(out[0]!.samples), [2000, -3000, 0]);
    assert.deepEqual(out[0]!.words, [{ textStart: 0, textLength: 3, sample: 47 }]);
    assert.deepEqual(out[0]!.phonemes.map((phoneme) => phoneme.sample), [47, 1]);
    assert.deepEqual(out[1]!.phonemes, [{ ipa: 'x', sample: 3 }]);

    const capped: EngineChunk[] = [];
    for await (const chunk of withoutLeadingSilence(chunks(), 40)) capped.push(chunk);
    assert.equal(capped[0]!.samples.length, 60, 'no more than the limit is dropped');
  });
});
