// The browser bundle's entry: the codec's streams and the client, as a page would import them.
import { InstructionDecoderStream, InstructionEncoderStream, instruction } from "@guacstream/codec";
import { GuacamoleClient } from "@guacstream/codec/client";
import { checkCodec } from "./checks.mjs";

export const exported = [GuacamoleClient, InstructionDecoderStream, InstructionEncoderStream];
export const result = checkCodec({
  InstructionDecoderStream,
  InstructionEncoderStream,
  instruction,
});
