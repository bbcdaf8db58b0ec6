/** The output formats the wire contract allows; shared by the protocol layer and the audio layer. */

export const SAMPLE_RATES = [8000, 16000, 22050, 32000, 44100, 48000] as const;
export type SampleRate = (typeof SAMPLE_RATES)[number];

export const PRECISIONS = ['PCM_16', 'PCM_24', 'PCM_32', 'MULAW'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const OUTPUT_FORMATS = ['wav', 'mp3'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isSampleRate(value: unknown): value is SampleRate {
  return typeof value === 'number' && (SAMPLE_RATES as readonly number[]).includes(value);
}

/** Bytes per sample of a WAV precision. */
export function bytesPerSample(precision: Precision): number {
  switch (precision) {
    case 'PCM_16':
      return 2;
    case 'PCM_24':
      return 3;
    case 'PCM_32':
      return 4;
    case 'MULAW':
      return 1;
  }
}

/** Describes the encoded stream a request asked for. */
export interface AudioFormat {
  readonly format: OutputFormat;
  readonly sampleRate: SampleRate;
  /** Ignored for mp3. */
  readonly precision: Precision;
}
