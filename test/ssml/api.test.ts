import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_PROSODY } from '../../src/engines/engine.js';
import { isSsml, planFromText, spokenLength } from '../../src/synthesis/ssml/index.js';
import { plan, speech, writtenOf } from './helpers.js';

describe('isSsml', () => {
  it('is true when data starts with <speak after whitespace', () => {
    assert.equal(isSsml('<speak>Hi</speak>'), true);
    assert.equal(isSsml(' \n\t<speak version="1.1">Hi</speak>'), true);
  });
  it('is false otherwise', () => {
    assert.equal(isSsml('Hello <speak>'), false);
    assert.equal(isSsml('<p>Hi</p>'), false);
    assert.equal(isSsml(''), false);
  });
});

describe('planFromText', () => {
  it('is one neutral speech item with the text as written and spoken', () => {
    const data = '  Hello, <world> & "friends"  ';
    assert.deepEqual(planFromText(data), { items: [{ kind: 'speech', written: data, spoken: data, prosody: NEUTRAL_PROSODY }] });
  });
});

describe('written text and whitespace', () => {
  it('keeps every text node, whitespace included', () => {
    const data = '<speak>\n  <p>\n    Hello,  <emphasis>big</emphasis>\n    world! <break time="1s"/>  Bye.\n  </p>\n</speak>';
    const result = plan(data);
    assert.equal(writtenOf(result), '\n  \n    Hello,  big\n    world!   Bye.\n  \n');
  });
  it('adjacent plain text with equal prosody is one item', () => {
    const items = speech(plan('<speak>one <!-- note --> two <![CDATA[<three>]]></speak>'));
    assert.deepEqual(items.map((i) => i.written), ['one  two <three>']);
  });
  it('whitespace never stands alone as speech', () => {
    const result = plan('<speak> <mark name="a"/> <sub alias="Doctor">Dr.</sub> <break/> <s>x</s> </speak>');
    assert.deepEqual(result.items.map((i) => (i.kind === 'mark' ? 'mark' : `${i.kind}:${JSON.stringify(i.written)}`)), [
      'mark', 'speech:"  Dr. "', 'pause:" "', 'speech:"x "',
    ]);
  });
  it('a document without sound is one zero-length pause holding its whitespace', () => {
    assert.deepEqual(plan('<speak>  <mark name="m"/>\n</speak>').items, [{ kind: 'mark', name: 'm' }, { kind: 'pause', seconds: 0, written: '  \n' }]);
    assert.deepEqual(plan('<speak/>').items, []);
  });
  it('text outside the root element is not content', () => {
    assert.equal(writtenOf(plan('\n<speak>x</speak>\n')), 'x');
  });
});

describe('spokenLength', () => {
  it('plain text counts code points', () => {
    assert.equal(spokenLength('héllo 😀'), 7);
    assert.equal(spokenLength('<b>not ssml</b>'), 15);
  });
  it('SSML counts the written text: tags removed, entities decoded', () => {
    assert.equal(spokenLength('<speak>a &amp; <break time="1s"/><sub alias="a long alias">b</sub> &#x1F600;</speak>'), 7);
  });
  it('falls back to characters outside tags when SSML does not parse, without throwing', () => {
    assert.equal(spokenLength('<speak>abc &bogus; <unknown>de</unknown>'), 14);
    assert.equal(spokenLength(`<speak>${'<s>'.repeat(10_000)}`), 0);
    assert.equal(spokenLength(`<speak>${'x'.repeat(200_000)}`), 200_000);
  });
});
