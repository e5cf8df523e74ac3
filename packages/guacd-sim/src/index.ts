export { type Clock, systemClock, type TimerHandle } from "./clock.ts";
export { CORPUS_ENV, corpusMayBeMissing, corpusPath, corpusUrl } from "./corpus-path.ts";
export { SimulatorError, type SimulatorErrorCode } from "./errors.ts";
export {
  SimulatedFilesystem,
  type SimulatedFilesystemOptions,
  STREAM_INDEX_MIMETYPE,
  type WriteResult,
} from "./filesystem.ts";
export {
  type GuacdLikeSettings,
  guacdLikeOptions,
  guacdLikeResolveSession,
} from "./guacd-like.ts";
export {
  defaultResolveSession,
  type Pace,
  type ReplayEnd,
  type SessionContext,
  type SessionPlan,
  UNREACHABLE_HOST_SUFFIX,
} from "./plan.ts";
export { Recording } from "./recording.ts";
export { createReport, type EndReason, type SessionEnd, type SessionReport } from "./report.ts";
export {
  type ByteDuplex,
  GuacdSimulator,
  type GuacdSimulatorOptions,
  type ServeOptions,
  type SimulatorCorpus,
} from "./simulator.ts";
