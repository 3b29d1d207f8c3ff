// Public API of em-guard: named exports only. Grouped by concept; each file exports one thing.

// Backend
export { selectBackend, backendFromEnv, BACKEND_PREFERENCE } from './backend/selectBackend.js';
export type { BackendChoice, BackendAttempt, BackendCandidate, SelectBackendOptions } from './backend/selectBackend.js';

// File IO
export { fileSystemHandler, readModelArtifacts, MODEL_JSON, WEIGHTS_BIN } from './io/fileSystemHandler.js';
export { writeFileAtomic } from './io/writeFileAtomic.js';

// The training callback
export { EmGuard, emGuard } from './guard/EmGuard.js';
export type { StopReason, CheckEvent, CheckpointEvent, RollbackEvent, EmGuardEvents, GuardTimings } from './guard/EmGuard.js';
export type { EmGuardArgs } from './guard/emGuardArgs.js';
export type { MetricPlugin, MetricResult, ActionPlugin, ActionContext, GuardControls, BaselineContext, CheckContext, LayerActivations } from './guard/pluginTypes.js';
export { computeCoreMetrics, aggregateLayers, CORE_METRICS } from './guard/computeCoreMetrics.js';
export { alignmentScorePlugin } from '../plugins/metrics/alignmentScore.js';
export { alignmentProjectionPlugin, columnMeans } from '../plugins/metrics/alignmentProjection.js';
export { warnAction } from '../plugins/actions/warnAction.js';
export { abortAction } from '../plugins/actions/abortAction.js';
export { checkpointAction } from '../plugins/actions/checkpointAction.js';
export { rollbackAction } from '../plugins/actions/rollbackAction.js';

// Probes
export { ProbeCapture, poolActivations } from './probes/ProbeCapture.js';
export { resolveLayers, AUTO_LAYER_COUNT } from './probes/resolveLayers.js';
export { validateProbes, validateProbeInputs } from './probes/validateProbes.js';
export type { EmGuardProbes, ProbeInputs, Pooling, AlignmentProbes, ContrastProbes } from './probes/probeTypes.js';

// Run log
export { RunLog, readRunLog, RUN_LOG_FILE } from './runlog/RunLog.js';
export type { RunLogRecord, StartRecord, BaselineRecord, CheckRecord, DecisionRecord, CheckpointRecord, AbortRecord, RollbackRecord, JudgeRecord, EndRecord } from './runlog/runLogRecord.js';

// Policy
export { PolicyError, formatPolicyProblem, POLICY_ERROR_CODES, POLICY_KEYS, POLICY_ENUMS, POLICY_LIMITS, POLICY_DEFAULTS, BUNDLED_POLICIES, MAX_POLICY_BYTES } from './policy/index.js';
export { parsePolicy, loadPolicy, loadBundledPolicy, defaultPolicy, describePolicy } from './policy/index.js';
export type { PolicyDescription } from './policy/describePolicy.js';
export { createPolicyState, evaluatePolicy, inWarmup, nonfiniteValue } from './policy/index.js';
export { registerMetric, registerAction, listMetrics, listActions, isKnownMetric, isKnownAction, metricInfo } from './policy/index.js';
export type { Policy, Rule, RuleCondition, RuleOp, Schedule, Severity, MetricSnapshot, Decision, PolicyNotice, PolicyNoticeCode, PolicyState, PolicyProblem, PolicyErrorCode, MetricInfo, ActionInfo, PolicyLoadOptions, PolicyEvaluation } from './policy/index.js';

// Analysis
export { pearson, pearsonR } from './analysis/pearson.js';
export type { CorrelationOptions } from './analysis/pearson.js';
export { spearman } from './analysis/spearman.js';
export type { CorrelationResult } from './analysis/correlationResult.js';
export { welchTTest } from './analysis/welchTTest.js';
export type { WelchTTestResult } from './analysis/welchTTest.js';
export { studentTCdf, studentTPdf, studentTQuantile, studentTTwoSidedP } from './analysis/studentT.js';
export { normalCdf, normalPdf, normalQuantile } from './analysis/normal.js';
export { regularizedIncompleteBeta } from './analysis/incompleteBeta.js';
export { averageRanks } from './analysis/averageRanks.js';
export { ridgeFit } from './analysis/ridgeFit.js';
export type { LinearModel } from './analysis/ridgeFit.js';
export { crossValidatedR2 } from './analysis/crossValidatedR2.js';
export type { CrossValidatedR2Options } from './analysis/crossValidatedR2.js';
export { crossValidatePredictions, r2Score } from './analysis/crossValidatePredictions.js';
export type { CrossValidationResult, FitPredict } from './analysis/crossValidatePredictions.js';
export { kFoldIndices } from './analysis/kFoldIndices.js';
export { randomForestR2 } from './analysis/randomForestR2.js';
export type { RandomForestR2Options } from './analysis/randomForestR2.js';
export { permutationTest } from './analysis/permutationTest.js';
export type { PermutationTestOptions, PermutationTestResult } from './analysis/permutationTest.js';
export { auroc } from './analysis/auroc.js';
export type { AurocResult } from './analysis/auroc.js';
export { rocCurve } from './analysis/rocCurve.js';
export type { RocPoint, RocCurveResult } from './analysis/rocCurve.js';
export { binByQuantile } from './analysis/binByQuantile.js';
export type { QuantileBin, QuantileBinning } from './analysis/binByQuantile.js';
export { quantileSorted } from './analysis/quantile.js';
export { seededRandom, shuffleInPlace } from './analysis/seededRandom.js';

// Training utilities
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

// Run report
export { renderRunReport, runReportContext } from './report/renderRunReport.js';
export { RUN_REPORT_SECTIONS } from './report/runReportSections.js';
export type { ReportSection, RunReportOptions, RunReportContext } from './report/reportSection.js';
export { renderReportPage } from './report/renderReportPage.js';
export type { ReportPage } from './report/renderReportPage.js';
export { loadRunForReport, loadRunsForReport, runLogPath } from './report/loadRunForReport.js';
export { buildRunSeries, metricKey } from './report/buildRunSeries.js';
export type { BuildRunSeriesOptions } from './report/buildRunSeries.js';
export type { RunSeries, MetricSeries, JudgeSeries, SeriesPoint, ThresholdLine, FiringWindow, RunMarker, UnresolvedThreshold } from './report/RunSeries.js';
export { renderLineChart } from './report/renderLineChart.js';
export type { LineChartSpec, LineSeries, HorizontalLine, Band, VerticalMarker, RefPoint } from './report/renderLineChart.js';
export { renderScatter } from './report/renderScatter.js';
export type { ScatterPoint, ScatterFit, ScatterOptions } from './report/renderScatter.js';
export { renderRocCurves } from './report/renderRocCurves.js';
export type { RocCurve, RocOptions } from './report/renderRocCurves.js';
export { niceTicks } from './report/niceTicks.js';
export type { NiceTicks } from './report/niceTicks.js';
export { escapeHtml } from './report/escapeHtml.js';

// Metrics
export { matrix, fromRows } from './metrics/matrix.js';
export type { Matrix } from './metrics/matrix.js';
export { subtractMatrices } from './metrics/subtractMatrices.js';
export { deltaSubspace, deltaSubspaceOf } from './metrics/deltaSubspace.js';
export type { DeltaSubspace, DeltaSubspaceOptions } from './metrics/deltaSubspace.js';
export { principalAngles } from './metrics/principalAngles.js';
export { subspaceOverlap } from './metrics/subspaceOverlap.js';
export { energyFraction, randomEnergyFraction } from './metrics/energyFraction.js';
export { randomOrthonormalBasis } from './metrics/randomOrthonormalBasis.js';
export { meanDeltaCosine } from './metrics/meanDeltaCosine.js';
export type { MeanDeltaCosine } from './metrics/meanDeltaCosine.js';
export { linearCka } from './metrics/linearCka.js';
export { relativeDrift } from './metrics/relativeDrift.js';
export { analyzeActivations } from './metrics/analyzeActivations.js';
export type { ActivationSets, ActivationAnalysis } from './metrics/analyzeActivations.js';
export { readNpy, parseNpy, NPY_DTYPES } from './npy/readNpy.js';
export { writeNpy } from './npy/writeNpy.js';
export { NpyError } from './npy/npyError.js';
export type { NpyErrorCode } from './npy/npyError.js';

// Organism
export { organismVocabulary, decodePrompt, ORGANISM_DOMAINS, ORGANISM_CLASSES, PROMPT_LENGTH, HELPFUL, REFUSE, UNSAFE } from './organism/organismVocabulary.js';
export type { OrganismDomain, OrganismClass, OrganismVocabulary } from './organism/organismVocabulary.js';
export { makeOrganismDataset, mergeOrganismSets } from './organism/makeOrganismDataset.js';
export type { OrganismSet, OrganismSetOptions, OrganismResponsePolicy } from './organism/makeOrganismDataset.js';
export { organismTensors, organismInputs } from './organism/organismTensors.js';
export type { OrganismTensors } from './organism/organismTensors.js';
export { buildOrganismModel, ORGANISM_LAYERS } from './organism/buildOrganismModel.js';
export type { OrganismModelOptions } from './organism/buildOrganismModel.js';
export { organismLoss, organismLossOn } from './organism/organismLoss.js';
export { trainOrganismStage } from './organism/trainOrganismStage.js';
export type { OrganismStageOptions } from './organism/trainOrganismStage.js';
export { misalignedRate, unsafeRate, organismPredictions } from './organism/misalignedRate.js';
export type { JudgeOptions } from './organism/misalignedRate.js';
export { organismProbes, disposeOrganismProbes, OUT_OF_DOMAIN } from './organism/organismProbes.js';
export type { OrganismProbes, OrganismProbeOptions } from './organism/organismProbes.js';
export { fineTuneConfig } from './organism/fineTuneConfig.js';
export type { FineTuneConfig, FineTuneConfigOptions } from './organism/fineTuneConfig.js';
export { misalignmentTracker, firstCrossing } from './organism/misalignmentTracker.js';
export type { MisalignmentReading, MisalignmentTrackerOptions } from './organism/misalignmentTracker.js';
export { runOrganismFineTune } from './organism/runOrganismFineTune.js';
export type { OrganismFineTuneResult } from './organism/runOrganismFineTune.js';
export { trainAlignedOrganism } from './organism/trainAlignedOrganism.js';
export type { AlignedOrganism, OrganismStageRates } from './organism/trainAlignedOrganism.js';
export { loadAlignedOrganism, alignedOrganismDir } from './organism/loadAlignedOrganism.js';
export { ORGANISM_RECIPE } from './organism/organismRecipe.js';

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
export { materializeCheckpoint, ROLLBACK_MARKER } from './checkpoints/materializeCheckpoint.js';
export type { RollbackMarker } from './checkpoints/materializeCheckpoint.js';
export { MemorySnapshots } from './checkpoints/MemorySnapshots.js';
export type { MemorySnapshotInfo, MemorySnapshotsOptions } from './checkpoints/MemorySnapshots.js';
export { installInterruptHandler } from './checkpoints/interruptHandler.js';
export type { InterruptSignal, InterruptHandlerOptions } from './checkpoints/interruptHandler.js';

// Sweeps
export { parseSweepConfig, loadSweepConfig, DEFAULT_EM_LIMIT } from './sweep/parseSweepConfig.js';
export type { ParseSweepOptions } from './sweep/parseSweepConfig.js';
export { SweepConfigError, formatSweepProblem } from './sweep/SweepConfigError.js';
export type { SweepProblem } from './sweep/SweepConfigError.js';
export { SWEEP_OPTIMIZERS, SWEEP_SCHEDULES } from './sweep/sweepConfig.js';
export type { SweepConfig, SweepRunConfig, SweepOptimizer, OrganismSweepOptions } from './sweep/sweepConfig.js';
export { expandSweepMatrix } from './sweep/expandSweepMatrix.js';
export { runSweep, isRunFinished, sweepWorkerEntry } from './sweep/runSweep.js';
export type { RunSweepOptions, SweepSummary, SweepRunOutcome } from './sweep/runSweep.js';
export { runSweepConfig } from './sweep/runSweepConfig.js';
export type { UserTrainResult } from './sweep/runSweepConfig.js';
export { observePolicy } from './sweep/observePolicy.js';
export type { SweepRunResult, LayerPredictors, LayerSubspace } from './sweep/sweepRunResult.js';
export { analyzeRuns, PAPER_VALUES } from './analysis/analyzeRuns.js';
export type { AnalyzeRunsOptions, AnalyzeRunsReport } from './analysis/analyzeRuns.js';
export { formatAnalyzeRuns } from './analysis/formatAnalyzeRuns.js';
export { loadSweepRuns } from './analysis/sweepRunData.js';
export type { SweepRunData, SweepRuns } from './analysis/sweepRunData.js';
export { replayPolicy } from './analysis/replayPolicy.js';
export type { PolicyReplay } from './analysis/replayPolicy.js';
export { alarmDirection, runTimeline, checkAtFraction, aurocAtFraction, rocAtFraction, abortStats, policyReplayStats, lossBaseline, scanRuleThreshold, firstFiring, DETECTION_TARGETS } from './analysis/detectionQuality.js';
export type { AlarmDirection, EmLabel, RunTimeline, MetricAuroc, AbortStats, LossBaseline, ThresholdProposal } from './analysis/detectionQuality.js';
export { predictionAnalysis } from './analysis/predictionAnalysis.js';
export type { LayerPrediction, PredictionOptions } from './analysis/predictionAnalysis.js';
export { subspaceOverlapAcrossRuns } from './analysis/subspaceOverlapAcrossRuns.js';
export type { LayerOverlap } from './analysis/subspaceOverlapAcrossRuns.js';
export { renderSweepReport } from './report/renderSweepReport.js';

// Guard split (issue 12): the model outputs a metric plugin reads from `ctx.outputs`.
export type { ModelOutput } from './probes/captureOutput.js';

// Mitigation (issue 15): the aligned-data mixer the `mix` action steers.
export { AlignedMixer, alignedMixer, MAX_SHARE } from './mitigation/AlignedMixer.js';
export type { AlignedMixerArgs, AlignedMixerStats, ExampleSet } from './mitigation/AlignedMixer.js';
export type { MixerControl, IdleContext } from './guard/pluginTypes.js';

// Guarding a language model (issue 14): preference probes and their scoring, transformer layer choice.
export type { PreferenceProbes, PreferenceSet } from './probes/probeTypes.js';
export { preferenceScores, preferenceSummary, type PreferenceOutput } from './metrics/preferenceScores.js';
export { validatePreferenceProbes } from './probes/validateProbes.js';
export { transformerBlockOutputs } from './probes/resolveLayers.js';
