/**
 * Issue 11, text: control characters other than tab, newline and carriage return are refused with
 * InvalidRequest naming `data`, never silently dropped (a NUL once cut the audio short while graph_chars
 * still listed what followed it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVoxwireError } from '../../src/protocol/errors.js';
import { parseSpeechFields } from '../../src/protocol/stream-request.js';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';

const fields = (data: string) => parseSpeechFields({ voice_uuid: DEFAULT_VOICE.uuid, data });

describe('control characters in data', () => {
  it('tab, newline and carriage return are text', () => {
    assert.equal(fields('one\ttwo\nthree\r\nfour').data, 'one\ttwo\nthree\r\nfour');
  });
  it('every other C0 control, DEL and the C1 controls are refused with InvalidRequest on data, naming the character', () => {
    const controls = [...Array.from({ length: 32 }, (_, code) => code).filter((code) => ![9, 10, 13].includes(code)), 0x7f, 0x80, 0x85, 0x9f];
    for (const code of controls) {
      for (const data of [`Hello${String.fromCharCode(code)} world`, `<speak>Hi${String.fromCharCode(code)}</speak>`]) {
        assert.throws(() => fields(data), (error: unknown) => {
          assert.ok(isVoxwireError(error));
          assert.equal(error.errorName, 'InvalidRequest');
          assert.equal(error.params.field, 'data');
          assert.match(error.message, new RegExp(`U\\+${code.toString(16).toUpperCase().padStart(4, '0')} at index`));
          return true;
        }, `U+${code.toString(16)}`);
      }
    }
  });
  it('printable characters around the control ranges are text', () => {
    for (const data of [' ~', '\u00a0é', '\u2028 line separator', '😀']) assert.equal(fields(data).data, data);
  });
});
