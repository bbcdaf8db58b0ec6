/** The log output of `voxwire serve`: JSON lines for machines, one readable line per record on a terminal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/cli/log-output.js';

function capture(isTTY: boolean): { output: { isTTY: boolean; write(text: string): boolean }; written: string[] } {
  const written: string[] = [];
  return { written, output: { isTTY, write: (text: string) => written.push(text) > 0 } };
}

describe('log output', () => {
  it('writes JSON lines when stdout is not a terminal', () => {
    const { output, written } = capture(false);
    createLogger('info', 'auto', output).info({ request_id: 3, outcome: 'ok' }, 'stream request');
    const record = JSON.parse(written.join('')) as Record<string, unknown>;
    assert.equal(record['msg'], 'stream request');
    assert.equal(record['request_id'], 3);
    assert.equal(record['service'], 'voxwire');
  });

  it('writes one readable line per record on a terminal, fields as key=value, an error with its stack', () => {
    const { output, written } = capture(true);
    const log = createLogger('info', 'auto', output);
    log.info({ request_id: 3, voice: 'abc', first_audio_ms: 12.5, outcome: 'ok' }, 'stream request');
    log.error({ err: new Error('boom') }, 'http request failed');
    log.debug('not at this level');
    assert.equal(written.length, 2);
    assert.match(written[0]!, /^\d\d:\d\d:\d\d\.\d{3} \u001b\[32mINFO \u001b\[0m stream request {2}request_id=3 voice=abc first_audio_ms=12\.5 outcome=ok\n$/);
    assert.match(written[1]!, /ERROR.* http request failed\n {4}Error: boom\n +at /);
  });

  it('pretty without colours when asked for pretty off a terminal; JSON when asked for JSON on one', () => {
    const pretty = capture(false);
    createLogger('info', 'pretty', pretty.output).warn('slow client');
    assert.match(pretty.written[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}slow client\n$/);
    const json = capture(true);
    createLogger('info', 'json', json.output).warn('slow client');
    assert.equal((JSON.parse(json.written[0]!) as { msg: string }).msg, 'slow client');
  });
});
