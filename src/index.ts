// Public API of em-guard: named exports only. Grouped by concept; each file exports one thing.
// The package entry is the composition root: it registers the built-in actions and metrics.
import './registerBuiltins.js';

// Backend
export { selectBackend, BACKEND_PREFERENCE } from './backend/selectBackend.js';
export type { BackendChoice, BackendAttempt, BackendCandidate, SelectBackendOptions } from './backend/selectBackend.js';

// File IO
export { fileSystemHandler } from './io/fileSystemHandler.js';

// The training callback
export { EmGuard, emGuard } from './guard/EmGuard.js';
export type { StopReason, CheckEvent, CheckpointEvent, RollbackEvent, EmGuardEvents, GuardTimings } from './guard/EmGuard.js';
export type { EmGuardArgs } from './guard/emGuardArgs.js';
export type {
  MetricPlugin,
  MetricResult,
  ActionPlugin,
  ActionContext,
  GuardControls,
  BaselineContext,
  CheckContext,
  LayerActivations,
} from './guard/pluginTypes.js';

// Probes
export type { EmGuardProbes, ProbeInputs, Pooling, AlignmentProbes, ContrastProbes } from './probes/probeTypes.js';

// Run log
export { RunLog, readRunLog, RUN_LOG_FILE } from './runlog/RunLog.js';
export type {
  RunLogRecord,
  StartRecord,
  BaselineRecord,
  CheckRecord,
  DecisionRecord,
  CheckpointRecord,
  AbortRecord,
  RollbackRecord,
  JudgeRecord,
  EndRecord,
} from './runlog/runLogRecord.js';

// Policy
export { PolicyError, formatPolicyProblem, POLICY_ERROR_CODES, BUNDLED_POLICIES } from './policy/index.js';
export { parsePolicy, loadPolicy, loadBundledPolicy, defaultPolicy, describePolicy } from './policy/index.js';
export type { PolicyDescription } from './policy/describePolicy.js';
export { createPolicyState, evaluatePolicy } from './policy/index.js';
export { registerMetric, registerAction, listMetrics, listActions } from './policy/index.js';
export type {
  Policy,
  Rule,
  RuleCondition,
  RuleOp,
  Schedule,
  Severity,
  MetricSnapshot,
  Decision,
  PolicyNotice,
  PolicyNoticeCode,
  PolicyState,
  PolicyProblem,
  PolicyErrorCode,
  MetricInfo,
  ActionInfo,
  PolicyLoadOptions,
  PolicyEvaluation,
} from './policy/index.js';

// Metrics
export { matrix, fromRows } from './metrics/matrix.js';
export type { Matrix } from './metrics/matrix.js';
export { deltaSubspace, deltaSubspaceOf } from './metrics/deltaSubspace.js';
export type { DeltaSubspace, DeltaSubspaceOptions } from './metrics/deltaSubspace.js';
export { principalAngles } from './metrics/principalAngles.js';
export { subspaceOverlap } from './metrics/subspaceOverlap.js';
export { energyFraction, randomEnergyFraction } from './metrics/energyFraction.js';
export { meanDeltaCosine } from './metrics/meanDeltaCosine.js';
export type { MeanDeltaCosine } from './metrics/meanDeltaCosine.js';
export { linearCka } from './metrics/linearCka.js';
export { relativeDrift } from './metrics/relativeDrift.js';
export { analyzeActivations } from './metrics/analyzeActivations.js';
export type { ActivationSets, ActivationAnalysis } from './metrics/analyzeActivations.js';
export { readNpy } from './npy/readNpy.js';
export { writeNpy } from './npy/writeNpy.js';
export { NpyError } from './npy/npyError.js';
export type { NpyErrorCode } from './npy/npyError.js';

// Checkpoints
export { CheckpointStore } from './checkpoints/CheckpointStore.js';
export type { CheckpointStoreOptions, CheckpointSaveMeta, RestoreOptions } from './checkpoints/CheckpointStore.js';
export { loadCheckpoint } from './checkpoints/loadCheckpoint.js';
export type { LoadCheckpointOptions, LoadedCheckpoint } from './checkpoints/loadCheckpoint.js';
export type { CheckpointManifest, CheckpointFileInfo, CheckpointSelector, CheckpointIndex, BestMetric } from './checkpoints/CheckpointManifest.js';
export { CheckpointError } from './checkpoints/CheckpointError.js';
export type { CheckpointErrorCode } from './checkpoints/CheckpointError.js';
export { resolveCheckpoint } from './checkpoints/resolveCheckpoint.js';
export type { ResolvedCheckpoint } from './checkpoints/resolveCheckpoint.js';
export { verifyCheckpoint } from './checkpoints/verifyCheckpoint.js';
export type { VerifiedCheckpoint, OptimizerState } from './checkpoints/verifyCheckpoint.js';
export { materializeCheckpoint } from './checkpoints/materializeCheckpoint.js';
export type { RollbackMarker } from './checkpoints/materializeCheckpoint.js';
export { MemorySnapshots } from './checkpoints/MemorySnapshots.js';
export type { MemorySnapshotInfo, MemorySnapshotsOptions } from './checkpoints/MemorySnapshots.js';
export type { InterruptSignal, InterruptHandlerOptions } from './checkpoints/interruptHandler.js';

// Guard split (issue 12): the model outputs a metric plugin reads from `ctx.outputs`.
export type { ModelOutput } from './probes/captureOutput.js';

// Mitigation (issue 15): the aligned-data mixer the `mix` action steers.
export { AlignedMixer, alignedMixer } from './mitigation/AlignedMixer.js';
export type { AlignedMixerArgs, AlignedMixerStats, ExampleSet } from './mitigation/AlignedMixer.js';
export type { MixerControl, IdleContext } from './guard/pluginTypes.js';

// Training utilities: optimizers with decoupled weight decay, and a learning-rate schedule callback.
export { AdamW } from './training/AdamW.js';
export type { AdamWArgs } from './training/AdamW.js';
export { Lion } from './training/Lion.js';
export type { LionArgs } from './training/Lion.js';
export { SlotOptimizer } from './training/SlotOptimizer.js';
export type { DecoupledWeightDecayArgs } from './training/SlotOptimizer.js';
export { lrSchedule, LearningRateScheduler } from './training/lrSchedule.js';
export type { LrScheduleArgs } from './training/lrSchedule.js';
export { learningRateAt } from './training/learningRateAt.js';
export type { LearningRateSchedule, LearningRateScheduleType } from './training/learningRateAt.js';
export { setOptimizerLearningRate, getOptimizerLearningRate } from './training/optimizerLearningRate.js';

// Never silent (issue 11): unevaluable rules, notices, policy objects validated like YAML.
export { UnevaluableRulesError } from './guard/findUnevaluableRules.js';
export type { UnevaluableRule } from './guard/findUnevaluableRules.js';
export type { NoticeEvent } from './guard/guardEvents.js';
export { validatePolicyObject } from './policy/validatePolicyObject.js';
export type { NoticeRecord } from './runlog/runLogRecord.js';

// The seed code's statistics (issue 16): centred train-delta PCA and the per-prompt subspace statistics.
export { centeredPca } from './metrics/centeredPca.js';
export type { CenteredPca, PcaComponents } from './metrics/centeredPca.js';
export { subspaceStatistics, PER_PROMPT_COLUMNS } from './metrics/subspaceStatistics.js';
export type { SubspaceStatistics, SubspaceStatisticsSummary, PerPromptColumn } from './metrics/subspaceStatistics.js';
export type { AnalyzeOptions } from './metrics/analyzeActivations.js';

// Guarding a language model (issue 14): preference probes and their scoring.
export type { PreferenceProbes, PreferenceSet } from './probes/probeTypes.js';
export { preferenceScores, preferenceSummary, type PreferenceOutput } from './metrics/preferenceScores.js';
