// A second browser bundle: the decoder stream alone, to show what one import costs.
export { InstructionDecoderStream } from "@guacstream/codec";
