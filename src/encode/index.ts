/** The encode stage: Avro change envelopes in single-object frames, schemas for the schemas topic. */
export { EnvelopeEncoder } from './envelope-encoder.js';
export type { EncodedChange, EnvelopeEncoderOptions, PublishedSchema } from './envelope-encoder.js';
export { FrameDecoder } from './frame-decoder.js';
export type { DecodedFrame } from './frame-decoder.js';
export { schemaFingerprint } from './schema-fingerprint.js';
export { parsingCanonicalForm } from './canonical-form.js';
export { fingerprintToHex } from './rabin-fingerprint.js';
