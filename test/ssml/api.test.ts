import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_PROSODY } from '../../src/engines/engine.js';
import { wireError } from '../support/wire-error.js';
import { planCost } from '../../src/synthesis/budget.js';
import { isSsml, planFromData, planFromSsml, planFromText } from '../../src/synthesis/ssml/index.js';
import { plan, speech, writtenOf } from './helpers.js';

describe('isSsml', () => {
  it('is true when data starts with <speak after whitespace', () => {
    assert.equal(isSsml('<speak>Hi</speak>'), true);
    assert.equal(isSsml(' \n\t<speak version="1.1">Hi</speak>'), true);
  });
  it('is false otherwise', () => {
    assert.equal(isSsml('Hello <speak>'), false);
    assert.equal(isSsml('<p>Hi</p>'), false);
    assert.equal(isSsml('<speaker>Hi</speaker>'), false);
    assert.equal(isSsml('<!-- a comment, then text -->Hi'), false);
    assert.equal(isSsml(''), false);
  });
  it('a byte-order mark, whitespace, an XML declaration, comments and processing instructions may come first', () => {
    for (const prolog of ['\uFEFF', '\uFEFF \n', '<?xml version="1.0" encoding="UTF-8"?>', ' \n<?xml version="1.0"?>\n', '\uFEFF<?xml version="1.0"?><!-- note --><?style x?>\n']) {
      const data = `${prolog}<speak>Hi <break time="1s"/> there</speak>`;
      assert.equal(isSsml(data), true, JSON.stringify(prolog));
      const result = planFromData(data);
      assert.deepEqual(result.items.map((item) => item.kind), ['speech', 'pause', 'speech'], JSON.stringify(prolog));
      assert.equal(writtenOf(result), 'Hi  there', 'the prolog is not written text');
    }
  });
  it('positions after a prolog count from the start of data', () => {
    const error = (data: string) => {
      try {
        planFromData(data);
      } catch (thrown) {
        const caught = wireError(thrown);
        return { name: caught.errorName, line: caught.params.line, column: caught.params.column };
      }
      return assert.fail('expected an error');
    };
    assert.deepEqual(error('  \n <?xml version="1.0"?><speak><audio/></speak>'), { name: 'InvalidSSML', line: 2, column: 30 });
    assert.deepEqual(error(' <?xml version="1.0"?>\n<speak>\n  <audio/></speak>'), { name: 'InvalidSSML', line: 3, column: 3 });
    assert.deepEqual(error('\n\n<speak>x</spek>'), { name: 'InvalidSSML', line: 3, column: 15 });
  });
  it('a DOCTYPE in the prolog makes data SSML, refused', () => {
    assert.equal(isSsml('<!DOCTYPE speak><speak>x</speak>'), true);
    assert.throws(() => planFromData('<?xml version="1.0"?>\n<!DOCTYPE speak>\n<speak>x</speak>'), (thrown: unknown) => {
      const error = wireError(thrown);
      return error.errorName === 'InvalidSSML' && error.params.line === 2 && error.params.column === 1;
    });
  });
  it('<SPEAK> and other spellings are refused, not read aloud: XML names are case-sensitive', () => {
    for (const data of ['<SPEAK>Hi</SPEAK>', ' <Speak>Hi</Speak>', '<?xml version="1.0"?><sPeAk>Hi</sPeAk>']) {
      assert.throws(() => planFromData(data), (thrown: unknown) => {
        const error = wireError(thrown);
        return error.errorName === 'InvalidSSML' && /case-sensitive/.test(error.message);
      }, data);
    }
    assert.equal(planFromData('SPEAK up!').items.length, 1, 'the word alone is plain text');
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

describe('planCost: written characters', () => {
  it('plain text counts code points', () => {
    assert.equal(planCost(planFromText('héllo 😀')).writtenChars, 7);
    assert.equal(planCost(planFromText('<b>not ssml</b>')).writtenChars, 15);
  });
  it('SSML counts the written text: tags removed, entities decoded, aliases not counted', () => {
    assert.equal(planCost(planFromSsml('<speak>a &amp; <break time="1s"/><sub alias="a long alias">b</sub> &#x1F600;</speak>')).writtenChars, 7);
  });
});

describe('language switches', () => {
  it('are refused at their line and column when no voice speaks the language', () => {
    const speaks = (language: string): boolean => language.startsWith('en') || language.startsWith('de');
    assert.equal(planFromSsml('<speak>Hi <lang xml:lang="de-DE">hallo</lang></speak>', {}, speaks).items.length, 2);
    assert.throws(
      () => planFromSsml('<speak>Hi\n  <lang xml:lang="tlh">Qapla</lang></speak>', {}, speaks),
      (thrown: unknown) => {
        const error = wireError(thrown);
        return error.errorName === 'InvalidSSML' && error.params['line'] === 2 && error.params['column'] === 3;
      },
    );
  });
});
