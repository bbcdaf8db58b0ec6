import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wireError } from '../support/wire-error.js';
import { planFromSsml } from '../../src/synthesis/ssml/index.js';
import { assertInvalid, assertRefused, plan } from './helpers.js';

describe('InvalidSSML with line and column', () => {
  it('mismatched close tag', () => assertInvalid('<speak>\n<s>x</speak>', 2, 12, /malformed XML: unexpected close tag/));
  it('unclosed tag at the end', () => assertInvalid('<speak>hello', 1, 12, /unclosed tag: speak/));
  it('unknown element', () => assertInvalid('<speak>Hi\n  <audio src="x.mp3"/></speak>', 2, 3, /unsupported element <audio>/));
  it('unknown namespaced element', () => assertInvalid('<speak><amazon:effect name="whispered">x</amazon:effect></speak>', 1, 8, /unsupported element <amazon:effect>/));
  it('unknown attribute', () => assertInvalid('<speak><break time="1s" foo="1"/></speak>', 1, 8, /unsupported attribute foo on <break>/));
  it('DOCTYPE', () => assertInvalid('<!DOCTYPE speak>\n<speak>x</speak>', 1, 1, /DTD/));
  it('DOCTYPE inside the document', () => assertRefused('<speak><!DOCTYPE speak></speak>'));
  it('entities other than the five XML ones', () => {
    assertInvalid('<speak>a &nbsp; b</speak>', 1, 15, /undefined entity/);
    assertInvalid('<speak><sub alias="&copy;">c</sub></speak>', 1, 25, /undefined entity/);
  });
  it('the five XML entities and numeric references are fine', () => {
    const result = plan('<speak>&lt;&gt;&amp;&quot;&apos; &#233;&#x1F600;</speak>');
    assert.equal(result.items[0]!.kind === 'speech' && result.items[0]!.written, '<>&"\' é😀');
  });
  it('processing instructions', () => assertInvalid('<speak>a<?php echo 1 ?></speak>', 1, 23, /processing instruction <\?php\?>/));
  it('root other than <speak>', () => assertInvalid('<p>x</p>', 1, 1, /root element must be <speak>, not <p>/));
  it('nested <speak>', () => assertInvalid('<speak>a<speak>b</speak></speak>', 1, 9, /only be the root/));
  it('text after the root', () => assertRefused('<speak>a</speak>trailing'));
  it('depth over 64', () => {
    const nested = (n: number) => `<speak>${'<s>'.repeat(n - 1)}x${'</s>'.repeat(n - 1)}</speak>`;
    plan(nested(64));
    assertInvalid(nested(65), 1, 8 + 3 * 63, /nested too deeply: at most 64/);
  });
  it('more than 5,000 elements', () => {
    const many = (n: number) => `<speak>${'<mark name="m"/>'.repeat(3000)}${'<s/>'.repeat(n - 3001)}</speak>`;
    assert.equal(planFromSsml(many(5000)).items.length, 3000);
    assertInvalid(many(5001), 1, 8 + 16 * 3000 + 4 * 1999, /too many elements: at most 5000/);
  });
  it('SSML over 64 KiB is TextTooLong, counted in UTF-8 bytes', () => {
    const long = (bytes: number) => `<speak>${'a'.repeat(bytes - 15)}</speak>`;
    assert.equal(plan(long(64 * 1024)).items.length, 1);
    const tooLong = (data: string, bytes: number) => assert.throws(() => planFromSsml(data), (thrown: unknown) => {
      const error = wireError(thrown);
      return error.errorName === 'TextTooLong' && error.params.bytes === bytes && error.params.max_bytes === 65536;
    });
    tooLong(long(64 * 1024 + 1), 65537);
    tooLong(`<speak>${'é'.repeat(40_000)}</speak>`, 80_015);
  });
  it('limits can be tightened per call', () => {
    assert.throws(() => planFromSsml('<speak><s><s>x</s></s></speak>', { maxDepth: 2 }), /nested too deeply: at most 2/);
  });
});

describe('hostile SSML is refused with InvalidSSML', () => {
  it('billion laughs', () => {
    const lol = ['<!DOCTYPE lolz [', '<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i += 1) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1 || ''};`.repeat(10)}">`);
    lol.push(']>');
    assertInvalid(`${lol.join('\n')}\n<speak>&lol9;</speak>`, 1, 1, /DTD/);
    assertInvalid(`<speak>&lol9;</speak>`, 1, 13, /undefined entity/);
  });
  it('external entity', () => {
    assertInvalid('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><speak>&e;</speak>', 1, 1, /DTD/);
    assertRefused('<speak><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;</speak>');
  });
  it('10,000 nested tags', () => {
    assertRefused(`<speak>${'<prosody rate="fast">'.repeat(2_000)}x${'</prosody>'.repeat(2_000)}</speak>`);
    assertRefused(`<speak>${'<a>'.repeat(10_000)}`);
  });
  it('unclosed tags', () => {
    assertRefused('<speak><prosody rate="slow">never closed');
    assertRefused('<speak><break time="1s"');
    assertRefused('<speak><sub alias="unterminated>x</sub></speak>');
  });
  it('binary garbage', () => {
    let seed = 12345;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
    for (let round = 0; round < 50; round += 1) {
      const bytes = Buffer.from(Array.from({ length: 2000 }, () => random() % 256));
      assertRefused(`<speak>${bytes.toString('latin1')}`);
      assertRefused(bytes.toString('utf8'));
    }
    assertRefused('<speak>\u0000\u0001\u0002</speak>');
    assertRefused('<speak>\uFFFE</speak>');
  });
});
