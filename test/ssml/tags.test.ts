import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_PROSODY } from '../../src/engines/engine.js';
import { assertInvalid, near, only, plan, speech } from './helpers.js';

const dB = (db: number): number => 10 ** (db / 20);
const st = (ratio: number): number => 12 * Math.log2(ratio);

/** The prosody of the single word inside `<prosody {attributes}>word</prosody>`. */
function prosodyOf(attributes: string): { rate: number; pitchSemitones: number; volume: number } {
  const items = speech(plan(`<speak><prosody ${attributes}>word</prosody></speak>`));
  assert.equal(items.length, 1);
  return items[0]!.prosody;
}

describe('<speak>', () => {
  it('xml:lang gives every item its language, lower-cased', () => {
    const items = speech(plan('<speak xml:lang="en-GB" version="1.1">Hello there</speak>'));
    assert.deepEqual(items.map((i) => i.language), ['en-gb']);
  });
  it('without xml:lang items carry no language (the voice decides)', () => {
    assert.equal(speech(plan('<speak>Hi</speak>'))[0]!.language, undefined);
  });
  it('seed becomes plan.seed', () => {
    assert.equal(plan('<speak seed="42">Hi</speak>').seed, 42);
    assert.equal(plan('<speak>Hi</speak>').seed, undefined);
  });
  it('temperature and exaggeration are accepted and change nothing', () => {
    const result = plan('<speak temperature="0.7" exaggeration="1.2">Hi</speak>');
    assert.deepEqual(speech(result)[0]!.prosody, NEUTRAL_PROSODY);
  });
  it('namespace boilerplate is accepted', () => {
    plan('<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y">Hi</speak>');
  });
  it('prompt style words map onto prosody', () => {
    const of = (prompt: string) => speech(plan(`<speak prompt="${prompt}">Hi</speak>`))[0]!.prosody;
    assert.ok(of('slow').rate < 1);
    assert.ok(of('Speak fast please').rate > 1);
    assert.ok(of('whisper').volume < 0.5);
    assert.ok(of('LOUD').volume > 1);
    assert.ok(of('soft').volume < 1);
    assert.ok(of('calm').rate < 1 && of('calm').pitchSemitones < 0);
    assert.ok(of('excited').rate > 1 && of('excited').pitchSemitones > 0);
    assert.ok(of('happy').pitchSemitones > 0);
    assert.ok(of('sad').pitchSemitones < 0);
    assert.ok(of('angry').volume > 1);
    assert.ok(of('speak slowly').rate < 1, 'adverbs count');
    assert.ok(of('calmly and slowly').rate < of('calmly').rate, 'styles compose');
    assert.deepEqual(of('in the voice of a narrator'), NEUTRAL_PROSODY);
  });
  it('prompt composes with nested prosody', () => {
    const items = speech(plan('<speak prompt="slow"><prosody rate="80%">Hi</prosody></speak>'));
    near(items[0]!.prosody.rate, 0.8 / 1.3, 'slow is one step of pace: ÷1.3');
  });
  it('refuses a rate slower than half speed after nesting, at the element that crosses it', () => {
    near(speech(plan('<speak><prosody rate="x-slow">Hi</prosody></speak>'))[0]!.prosody.rate, 0.5);
    assertInvalid('<speak prompt="slow"><prosody rate="50%">Hi</prosody></speak>', 1, 22, /rate 0.385 is outside the supported range 0.5…4/);
    near(speech(plan('<speak><prosody rate="80%"><prosody rate="80%"><prosody rate="80%">Hi</prosody></prosody></prosody></speak>'))[0]!.prosody.rate, 0.512);
    assertInvalid('<speak><prosody rate="70%">\n<prosody rate="70%">Hi</prosody></prosody></speak>', 2, 1, /rate 0.49 is outside/);
    assertInvalid('<speak><prosody rate="x-slow"><emphasis level="strong">Hi</emphasis></prosody></speak>', 1, 31, /rate 0.425/);
  });
  it('refuses a seed that is not a whole number, and non-numeric temperature/exaggeration', () => {
    assertInvalid('<speak seed="abc">Hi</speak>', 1, 1, /seed/);
    assertInvalid('<speak seed="-1">Hi</speak>', 1, 1, /seed/);
    assertInvalid('<speak temperature="hot">Hi</speak>', 1, 1, /temperature/);
    assertInvalid('<speak exaggeration="">Hi</speak>', 1, 1, /exaggeration/);
  });
  it('refuses unknown attributes', () => {
    assertInvalid('<speak voice="x">Hi</speak>', 1, 1, /unsupported attribute voice on <speak>/);
  });
});

describe('<prosody rate>', () => {
  it('named values', () => {
    const rates = ['x-slow', 'slow', 'medium', 'fast', 'x-fast'].map((v) => prosodyOf(`rate="${v}"`).rate);
    assert.deepEqual(rates, [0.5, 0.75, 1, 1.5, 2]);
  });
  it('percentage is a multiplier', () => near(prosodyOf('rate="50%"').rate, 0.5));
  it('relative percentages', () => {
    near(prosodyOf('rate="+20%"').rate, 1.2);
    near(prosodyOf('rate="-20%"').rate, 0.8);
  });
  it('bare number is a multiplier', () => near(prosodyOf('rate="1.5"').rate, 1.5));
  it('default leaves the voice rate', () => near(prosodyOf('rate="default"').rate, 1));
  it('refuses unknown forms and results out of range', () => {
    assertInvalid('<speak>\n <prosody rate="speedy">x</prosody></speak>', 2, 2, /rate="speedy"/);
    assertInvalid('<speak><prosody rate="10%">x</prosody></speak>', 1, 8, /rate .* outside/);
    assertInvalid('<speak><prosody rate="+10st">x</prosody></speak>', 1, 8, /rate/);
  });
});

describe('<prosody pitch>', () => {
  it('named values', () => {
    const pitches = ['x-low', 'low', 'medium', 'high', 'x-high'].map((v) => prosodyOf(`pitch="${v}"`).pitchSemitones);
    assert.deepEqual(pitches, [-6, -3, 0, 3, 6]);
  });
  it('semitones', () => {
    near(prosodyOf('pitch="+2st"').pitchSemitones, 2);
    near(prosodyOf('pitch="-2.5st"').pitchSemitones, -2.5);
  });
  it('percentages scale the frequency', () => {
    near(prosodyOf('pitch="+10%"').pitchSemitones, st(1.1));
    near(prosodyOf('pitch="-10%"').pitchSemitones, st(0.9));
  });
  it('relative Hz from a nominal 120 Hz', () => near(prosodyOf('pitch="+10Hz"').pitchSemitones, st(130 / 120)));
  it('absolute Hz relative to a nominal 120 Hz', () => near(prosodyOf('pitch="240Hz"').pitchSemitones, 12));
  it('refuses unknown forms and results out of range', () => {
    assertInvalid('<speak><prosody pitch="shrill">x</prosody></speak>', 1, 8, /pitch="shrill"/);
    assertInvalid('<speak><prosody pitch="+30st">x</prosody></speak>', 1, 8, /pitch .* outside/);
    assertInvalid('<speak><prosody pitch="-120Hz">x</prosody></speak>', 1, 8, /pitch/);
  });
});

describe('<prosody volume>', () => {
  it('named values', () => {
    const volumes = ['x-soft', 'soft', 'medium', 'loud', 'x-loud'].map((v) => prosodyOf(`volume="${v}"`).volume);
    [-12, -6, 0, 4, 8].forEach((db, i) => near(volumes[i]!, dB(db)));
    assert.equal(prosodyOf('volume="silent"').volume, 0);
  });
  it('decibels', () => {
    near(prosodyOf('volume="+6dB"').volume, dB(6));
    near(prosodyOf('volume="-6dB"').volume, dB(-6));
  });
  it('percentages', () => {
    near(prosodyOf('volume="50%"').volume, 0.5);
    near(prosodyOf('volume="+20%"').volume, 1.2);
  });
  it('refuses bare numbers and unknown words', () => {
    assertInvalid('<speak><prosody volume="80">x</prosody></speak>', 1, 8, /volume="80"/);
    assertInvalid('<speak><prosody volume="deafening">x</prosody></speak>', 1, 8, /volume/);
  });
});

describe('<prosody> nesting', () => {
  it('composes rate, pitch and volume', () => {
    const items = speech(plan(
      '<speak><prosody rate="50%" pitch="+2st" volume="-6dB">a <prosody rate="+20%" pitch="+1st" volume="50%">b</prosody> c</prosody></speak>',
    ));
    assert.deepEqual(items.map((i) => i.written), ['a ', 'b', ' c']);
    near(items[1]!.prosody.rate, 0.6);
    near(items[1]!.prosody.pitchSemitones, 3);
    near(items[1]!.prosody.volume, dB(-6) * 0.5);
    assert.deepEqual(items[0]!.prosody, items[2]!.prosody);
  });
  it('default resets to the voice', () => {
    const items = speech(plan('<speak><prosody rate="x-slow"><prosody rate="default">b</prosody></prosody></speak>'));
    assert.equal(items[0]!.prosody.rate, 1);
  });
  it('refuses unsupported prosody attributes', () => {
    assertInvalid('<speak><prosody duration="2s">x</prosody></speak>', 1, 8, /unsupported attribute duration/);
  });
});

describe('<break>', () => {
  const pauseOf = (tag: string): number => {
    const pauses = only(plan(`<speak>a${tag}b</speak>`), 'pause');
    assert.equal(pauses.length, 1);
    return pauses[0]!.seconds;
  };
  it('time in ms and s', () => {
    near(pauseOf('<break time="700ms"/>'), 0.7);
    near(pauseOf('<break time="1.5s"/>'), 1.5);
    near(pauseOf('<break time="0ms"/>'), 0);
  });
  it('strengths', () => {
    const values = ['none', 'x-weak', 'weak', 'medium', 'strong', 'x-strong'].map((s) => pauseOf(`<break strength="${s}"/>`));
    assert.deepEqual(values, [0, 0.1, 0.25, 0.5, 0.75, 1.2]);
  });
  it('a bare break is medium; time wins over strength', () => {
    assert.equal(pauseOf('<break/>'), 0.5);
    near(pauseOf('<break strength="x-strong" time="200ms"/>'), 0.2);
  });
  it('splits the text around it', () => {
    const result = plan('<speak>Hello <break time="700ms"/> world</speak>');
    assert.deepEqual(result.items.map((i) => i.kind), ['speech', 'pause', 'speech']);
  });
  it('refuses durations over 10 s, without unit, negative, unknown strengths and content', () => {
    assertInvalid('<speak>\n\n   <break time="11s"/></speak>', 3, 4, /10 s limit/);
    assertInvalid('<speak><break time="700"/></speak>', 1, 8, /duration/);
    assertInvalid('<speak><break time="-1s"/></speak>', 1, 8, /duration/);
    assertInvalid('<speak><break strength="huge"/></speak>', 1, 8, /strength="huge"/);
    assertInvalid('<speak><break>text</break></speak>', 1, 8, /must be empty/);
  });
});

describe('<emphasis>', () => {
  const of = (level: string) => speech(plan(`<speak>a <emphasis${level}>b</emphasis></speak>`)).find((i) => i.written.endsWith('b'))!.prosody;
  it('strong is slower, higher and louder than moderate, which is more than none', () => {
    const strong = of(' level="strong"');
    const moderate = of(' level="moderate"');
    assert.deepEqual(of(''), moderate, 'default level is moderate');
    assert.ok(strong.rate < moderate.rate && moderate.rate < 1);
    assert.ok(strong.volume > moderate.volume && moderate.volume > 1);
    assert.ok(strong.pitchSemitones > moderate.pitchSemitones && moderate.pitchSemitones > 0);
  });
  it('none changes nothing, reduced is softer and faster', () => {
    assert.deepEqual(of(' level="none"'), NEUTRAL_PROSODY);
    const reduced = of(' level="reduced"');
    assert.ok(reduced.volume < 1 && reduced.rate > 1);
  });
  it('refuses unknown levels', () => assertInvalid('<speak><emphasis level="max">b</emphasis></speak>', 1, 8, /level="max"/));
});

describe('<sub>', () => {
  it('speaks the alias, writes the text', () => {
    const items = speech(plan('<speak>The <sub alias="World Health Organization">WHO</sub> said</speak>'));
    assert.deepEqual(items.map((i) => [i.written, i.spoken]), [['The ', 'The '], ['WHO', 'World Health Organization'], [' said', ' said']]);
  });
  it('entities in alias and text are decoded', () => {
    const items = speech(plan('<speak><sub alias="Anne &amp; Bob">A&amp;B</sub></speak>'));
    assert.deepEqual([items[0]!.written, items[0]!.spoken], ['A&B', 'Anne & Bob']);
  });
  it('refuses a missing alias and element content', () => {
    assertInvalid('<speak><sub>WHO</sub></speak>', 1, 8, /alias/);
    assertInvalid('<speak><sub alias="x">a<break/></sub></speak>', 1, 24, /only text/);
  });
});

describe('<lang> and <voice xml:lang>', () => {
  it('items inside carry the language', () => {
    const items = speech(plan('<speak>Hello <lang xml:lang="fr-FR">bonjour</lang> and <voice xml:lang="de">hallo</voice></speak>'));
    assert.deepEqual(items.map((i) => [i.written, i.language]), [['Hello ', undefined], ['bonjour', 'fr-fr'], [' and ', undefined], ['hallo', 'de']]);
  });
  it('xml:lang on <p> and <s> too', () => {
    const items = speech(plan('<speak><s xml:lang="es">hola</s></speak>'));
    assert.equal(items[0]!.language, 'es');
  });
  it('refuses missing or malformed tags and voice attributes it cannot honour', () => {
    assertInvalid('<speak><lang>x</lang></speak>', 1, 8, /xml:lang/);
    assertInvalid('<speak><lang xml:lang="not a tag">x</lang></speak>', 1, 8, /language tag/);
    assertInvalid('<speak><voice name="Joanna">x</voice></speak>', 1, 8, /unsupported attribute name on <voice>/);
  });
});

describe('<phoneme>', () => {
  it('carries the IPA, writes the text', () => {
    const items = speech(plan('<speak>say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme></speak>'));
    assert.deepEqual([items[1]!.written, items[1]!.ipa], ['tomato', 'təˈmɑːtoʊ']);
    assert.equal(items[0]!.ipa, undefined);
  });
  it('alphabet defaults to ipa', () => {
    assert.equal(speech(plan('<speak><phoneme ph="ˈhɛloʊ">hello</phoneme></speak>'))[0]!.ipa, 'ˈhɛloʊ');
  });
  it('refuses other alphabets and a missing ph', () => {
    assertInvalid('<speak><phoneme alphabet="x-sampa" ph="h@loU">hello</phoneme></speak>', 1, 8, /alphabet="x-sampa"/);
    assertInvalid('<speak><phoneme alphabet="ipa">hello</phoneme></speak>', 1, 8, /ph/);
  });
});

describe('<p> and <s>', () => {
  it('are segment boundaries: text is not merged across them', () => {
    const items = speech(plan('<speak><s>One.</s><s>Two.</s></speak>'));
    assert.deepEqual(items.map((i) => i.written), ['One.', 'Two.']);
  });
  it('a pause of 0.25 s separates paragraphs, none after the last', () => {
    const result = plan('<speak>\n  <p>First.</p>\n  <p>Second.</p>\n</speak>');
    assert.deepEqual(result.items.map((i) => (i.kind === 'pause' ? i.seconds : i.kind)), ['speech', 0.25, 'speech']);
  });
  it('an explicit break between paragraphs replaces the paragraph pause', () => {
    const result = plan('<speak><p>First.</p><break time="1s"/><p>Second.</p></speak>');
    assert.deepEqual(only(result, 'pause').map((p) => p.seconds), [1]);
  });
});

describe('<mark>', () => {
  it('becomes a mark item in place', () => {
    const result = plan('<speak>a <mark name="here"/>b</speak>');
    assert.deepEqual(result.items.map((i) => (i.kind === 'mark' ? `mark:${i.name}` : i.kind)), ['speech', 'mark:here', 'speech']);
  });
  it('refuses a missing name and content', () => {
    assertInvalid('<speak><mark/></speak>', 1, 8, /name/);
    assertInvalid('<speak><mark name="m">x</mark></speak>', 1, 8, /must be empty/);
  });
});
