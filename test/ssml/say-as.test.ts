import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertInvalid, plan, speech } from './helpers.js';

/** [written, spoken] of each speech item of `<say-as {attributes}>{text}</say-as>`. */
function sayAs(attributes: string, text: string): [string, string][] {
  return speech(plan(`<speak><say-as ${attributes}>${text}</say-as></speak>`)).map((i) => [i.written, i.spoken]);
}
const spoken = (attributes: string, text: string): string => {
  const items = sayAs(attributes, text);
  assert.equal(items.length, 1);
  assert.equal(items[0]![0], text.replace(/&amp;/g, '&'), 'written keeps the original text');
  return items[0]![1];
};

describe('<say-as interpret-as="characters"> and "spell-out"', () => {
  it('gives each character its own item: a lone letter (read by its name), a digit or symbol name', () => {
    assert.deepEqual(sayAs('interpret-as="characters"', 'AbC'), [['A', 'A'], ['b', 'b'], ['C', 'C']]);
    assert.deepEqual(sayAs('interpret-as="spell-out"', 'W3.'), [['W', 'W'], ['3', 'three'], ['.', 'dot']]);
  });
  it('whitespace joins the letter before it', () => {
    assert.deepEqual(sayAs('interpret-as="characters"', ' a b '), [[' a ', 'a'], ['b ', 'b']]);
  });
  it('inside a non-English <lang> digits are left to the engine (its language rules)', () => {
    const items = speech(plan('<speak><lang xml:lang="fr"><say-as interpret-as="characters">a1</say-as></lang></speak>'));
    assert.deepEqual(items.map((i) => [i.spoken, i.language]), [['a', 'fr'], ['1', 'fr']]);
  });
});

describe('<say-as interpret-as="cardinal">', () => {
  it('reads numbers as words', () => {
    assert.equal(spoken('interpret-as="cardinal"', '0'), 'zero');
    assert.equal(spoken('interpret-as="cardinal"', '13'), 'thirteen');
    assert.equal(spoken('interpret-as="cardinal"', '42'), 'forty-two');
    assert.equal(spoken('interpret-as="cardinal"', '100'), 'one hundred');
    assert.equal(spoken('interpret-as="cardinal"', '1,234,567'), 'one million two hundred thirty-four thousand five hundred sixty-seven');
    assert.equal(spoken('interpret-as="cardinal"', '1000000'), 'one million');
    assert.equal(spoken('interpret-as="cardinal"', '-3.25'), 'minus three point two five');
    assert.equal(spoken('interpret-as="number"', '7'), 'seven');
  });
  it('refuses what is not a number', () => assertInvalid('<speak><say-as interpret-as="cardinal">many</say-as></speak>', 1, 8, /cannot read "many"/));
});

describe('<say-as interpret-as="ordinal">', () => {
  it('reads ordinals', () => {
    const read = (n: string) => spoken('interpret-as="ordinal"', n);
    assert.deepEqual(['1', '2', '3', '5', '8', '9', '12', '20', '21st', '22nd', '100', '1003rd'].map(read), [
      'first', 'second', 'third', 'fifth', 'eighth', 'ninth', 'twelfth', 'twentieth', 'twenty-first', 'twenty-second',
      'one hundredth', 'one thousand third',
    ]);
  });
  it('refuses fractions', () => assertInvalid('<speak><say-as interpret-as="ordinal">1.5</say-as></speak>', 1, 8, /ordinal/));
});

describe('<say-as interpret-as="digits">', () => {
  it('reads digit by digit', () => assert.equal(spoken('interpret-as="digits"', '2048'), 'two zero four eight'));
  it('refuses letters', () => assertInvalid('<speak><say-as interpret-as="digits">12a</say-as></speak>', 1, 8, /digits only/));
});

describe('<say-as interpret-as="telephone">', () => {
  it('reads groups of digits with pauses between', () => {
    assert.equal(spoken('interpret-as="telephone"', '+1 (555) 123-4567'), 'plus one, five five five, one two three, four five six seven');
    assert.equal(spoken('interpret-as="telephone"', '555.0100'), 'five five five, zero one zero zero');
  });
  it('refuses letters', () => assertInvalid('<speak><say-as interpret-as="telephone">call me</say-as></speak>', 1, 8, /telephone/));
});

describe('<say-as interpret-as="date">', () => {
  const date = (format: string, text: string) => spoken(`interpret-as="date" format="${format}"`, text);
  it('every format', () => {
    assert.equal(date('mdy', '03/05/2024'), 'March fifth, twenty twenty-four');
    assert.equal(date('dmy', '05.03.1999'), 'March fifth, nineteen ninety-nine');
    assert.equal(date('ymd', '2005-12-31'), 'December thirty-first, two thousand five');
    assert.equal(date('md', '7/4'), 'July fourth');
    assert.equal(date('dm', '4/7'), 'July fourth');
    assert.equal(date('ym', '1900-02'), 'February nineteen hundred');
    assert.equal(date('my', '02/2000'), 'February two thousand');
    assert.equal(date('d', '21'), 'the twenty-first');
    assert.equal(date('m', '11'), 'November');
    assert.equal(date('y', '1066'), 'ten sixty-six');
    assert.equal(date('mdy', 'Jan 2 05'), 'January second, oh five');
  });
  it('without format: ISO dates are ymd, others mdy', () => {
    assert.equal(spoken('interpret-as="date"', '2024-01-09'), 'January ninth, twenty twenty-four');
    assert.equal(spoken('interpret-as="date"', '1/9/2024'), 'January ninth, twenty twenty-four');
  });
  it('refuses impossible dates, unknown formats and mismatched fields', () => {
    assertInvalid('<speak><say-as interpret-as="date" format="mdy">02/30/2024</say-as></speak>', 1, 8, /day 1–29/);
    assertInvalid('<speak><say-as interpret-as="date" format="mdy">13/01/2024</say-as></speak>', 1, 8, /month/);
    assertInvalid('<speak><say-as interpret-as="date" format="ydm">2024/01/02</say-as></speak>', 1, 8, /format/);
    assertInvalid('<speak><say-as interpret-as="date" format="mdy">01/2024</say-as></speak>', 1, 8, /3 field/);
  });
});

describe('<say-as interpret-as="time">', () => {
  const time = (text: string) => spoken('interpret-as="time"', text);
  it('24-hour and 12-hour clocks', () => {
    assert.equal(time('14:30'), 'fourteen thirty');
    assert.equal(time('9:05'), 'nine oh five');
    assert.equal(time('9:00'), "nine o'clock");
    assert.equal(time('2:30pm'), 'two thirty p m');
    assert.equal(time('7 AM'), 'seven a m');
    assert.equal(time('10:15:01'), 'ten fifteen and one second');
  });
  it('refuses impossible times', () => {
    assertInvalid('<speak><say-as interpret-as="time">25:00</say-as></speak>', 1, 8, /valid time/);
    assertInvalid('<speak><say-as interpret-as="time">13pm</say-as></speak>', 1, 8, /valid time/);
    assertInvalid('<speak><say-as interpret-as="time">noon</say-as></speak>', 1, 8, /time/);
  });
});

describe('<say-as> errors', () => {
  it('refuses unknown interpret-as values, a missing one, format outside dates, and element content', () => {
    assertInvalid('<speak><say-as interpret-as="currency">$5</say-as></speak>', 1, 8, /interpret-as="currency"/);
    assertInvalid('<speak><say-as>5</say-as></speak>', 1, 8, /interpret-as/);
    assertInvalid('<speak><say-as interpret-as="cardinal" format="x">5</say-as></speak>', 1, 8, /no format/);
    assertInvalid('<speak><say-as interpret-as="cardinal"><sub alias="x">5</sub></say-as></speak>', 1, 40, /only text/);
  });
});
