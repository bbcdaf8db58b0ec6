/**
 * What synthesis can refuse or fail with, as values of its own: synthesis knows nothing of the wire, so it
 * names the kind of problem and its facts, and the protocol layer (protocol/errors.ts, `catalogueError`) maps
 * each kind to the contract's catalogue once. The set is closed: a new kind must be given its catalogue name
 * there before the code compiles.
 */

export type SynthesisErrorKind =
  /** SSML the plan cannot honour, or that asks for what the voice's engine cannot do. */
  | 'invalid-markup'
  /** Text, SSML or audio past one of a request's limits. */
  | 'too-long'
  /** Text the voice's engine has no rules to read (a script it does not know). */
  | 'unreadable-text'
  /** The voice's engine is not running on this server. */
  | 'engine-unavailable'
  /** The engine failed while speaking (the cause says how). */
  | 'engine-failed';

export type SynthesisErrorParams = Readonly<Record<string, string | number>>;

export class SynthesisError extends Error {
  override readonly name = 'SynthesisError';

  /** `params`: the facts a client may be told (a line and column, a limit); `cause`: for the server's log only. */
  constructor(
    readonly kind: SynthesisErrorKind,
    message: string,
    readonly params: SynthesisErrorParams = {},
    options?: { readonly cause: unknown },
  ) {
    super(message, options);
  }
}
