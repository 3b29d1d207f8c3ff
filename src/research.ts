// em-guard/research: the tools behind the README's diagnostics — the model organisms, sweeps (local and
// queued), run analysis and statistics, reports, screening and forecasting, and training utilities.
// `import { … } from 'em-guard/research'`. The guard itself is in the package root ('em-guard').
import './registerBuiltins.js';

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
export { seededRandom, shuffleInPlace } from './util/seededRandom.js';
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
export { organismMixer, triggeredJudgeSet } from './organism/organismMixer.js';
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
export {
  alarmDirection,
  runTimeline,
  checkAtFraction,
  aurocAtFraction,
  rocAtFraction,
  abortStats,
  policyReplayStats,
  lossBaseline,
  scanRuleThreshold,
  firstFiring,
  DETECTION_TARGETS,
} from './analysis/detectionQuality.js';
export type { AlarmDirection, EmLabel, RunTimeline, MetricAuroc, AbortStats, LossBaseline, ThresholdProposal } from './analysis/detectionQuality.js';
export { predictionAnalysis } from './analysis/predictionAnalysis.js';
export type { LayerPrediction, PredictionOptions } from './analysis/predictionAnalysis.js';
export { subspaceOverlapAcrossRuns } from './analysis/subspaceOverlapAcrossRuns.js';
export type { LayerOverlap } from './analysis/subspaceOverlapAcrossRuns.js';
export { renderSweepReport } from './report/renderSweepReport.js';
export { parseQueueUrl, assertRedisReachable, redisConnection, QueueUrlError, SWEEP_QUEUE_NAME } from './sweep/queueUrl.js';
export type { QueueUrl } from './sweep/queueUrl.js';
export { runJobId } from './sweep/sweepJob.js';
export type { SweepJobData, SweepJobResult, SweepJobProgress } from './sweep/sweepJob.js';
export { enqueueSweep, openSweepQueue } from './sweep/enqueueSweep.js';
export type { EnqueueSweepOptions, EnqueuedRun } from './sweep/enqueueSweep.js';
export { followQueuedSweep, writeReturnedRun } from './sweep/followQueuedSweep.js';
export type { FollowQueuedSweepOptions, QueuedSweepSummary, QueuedRunStatus, QueuedRunState } from './sweep/followQueuedSweep.js';
export { startQueueWorker, RETURNED_RUN_FILES } from './sweep/runQueueWorker.js';
export type { QueueWorker, QueueWorkerOptions } from './sweep/runQueueWorker.js';
export { sweepQueueStatus } from './sweep/sweepQueueStatus.js';
export type { SweepQueueStatus, QueueRunEntry } from './sweep/sweepQueueStatus.js';
export { runSweepRun } from './sweep/runSweep.js';
export { screenDataset } from './screen/screenDataset.js';
export type { ScreenDatasetArgs, ScreenResult, ScreenLayerResult, RankedExample } from './screen/screenDataset.js';
export type { ScreeningScorer } from './screen/screeningScorer.js';
export { classifierScorer } from './screen/classifierScorer.js';
export type { ClassifierScorerOptions } from './screen/classifierScorer.js';
export { classifierProjectionDifference } from './screen/classifierProjectionDifference.js';
export type { ClassifierProjectionDifference } from './screen/classifierProjectionDifference.js';
export { misalignmentDirections } from './screen/misalignmentDirections.js';
export type { MisalignmentDirection } from './screen/misalignmentDirections.js';
export { bootstrapInterval } from './screen/bootstrapInterval.js';
export type { Interval } from './screen/bootstrapInterval.js';
export {
  organismScorer,
  organismContrast,
  organismCalibrationSet,
  organismFineTuneSet,
  organismBenignCodeSet,
  organismPlantedSet,
} from './screen/organismScreenSets.js';
export { readScreenData, readContrastFile, ScreenDataError } from './screen/readScreenData.js';
export { lmScorer } from './screen/lmScorer.js';
export type { LmScorerOptions, LmScreeningScorer } from './screen/lmScorer.js';
export { greedyDecode } from './screen/greedyDecode.js';
export type { GreedyDecodeOptions } from './screen/greedyDecode.js';
export {
  lmOrganismScorer,
  lmOrganismContrast,
  lmCalibrationSet,
  lmFineTuneSet,
  lmBenignCodeSet,
  lmPlantedSet,
  lmSetRows,
  lmOrganismPreference,
  lmScreenValidationSet,
} from './screen/lmOrganismScreenSets.js';
export { readLmScreenData, readLmContrastFile, readLmPreferenceFile } from './screen/readLmScreenData.js';
export { screenByGradient } from './screen/screenByGradient.js';
export type { ScreenByGradientArgs, LmExamples } from './screen/screenByGradient.js';
export { alignmentGradient, lmGradientScores } from './screen/lmGradientScore.js';
export type { AlignmentGradient, LmPreferencePairs, LmSequenceOptions } from './screen/lmGradientScore.js';
export type { LmScreenData } from './screen/readLmScreenData.js';
export { screenCsv } from './screen/screenCsv.js';
export { renderScreenSection, renderScreenReport } from './screen/screenReportSection.js';
export { fitForecast, forecastLayers, modelOrganism, defaultForecastGroups } from './forecast/fitForecast.js';
export type { FitForecastOptions } from './forecast/fitForecast.js';
export { applyForecast } from './forecast/applyForecast.js';
export type { ForecastOutcome } from './forecast/applyForecast.js';
export { evaluateForecast } from './forecast/evaluateForecast.js';
export type { ForecastEvaluation } from './forecast/evaluateForecast.js';
export { readForecastModel, signatureMismatch, ForecastModelError, FORECAST_FORMAT } from './forecast/forecastModel.js';
export type { ForecastModel, ForecastTrainingRun } from './forecast/forecastModel.js';
export { dataFeatures, featureNames, featureVector, defaultFeatureDefinition } from './forecast/forecastFeatures.js';
export type { DataFeatures, FeatureDefinition, ForecastRunSettings } from './forecast/forecastFeatures.js';
export { organismDataFeatures } from './forecast/organismDataFeatures.js';
export { gradientDataFeatures, lmGradientFeatureSource } from './forecast/lmGradientFeatures.js';
export type { GradientFeatures, LmGradientFeatureSource } from './forecast/lmGradientFeatures.js';
export { organismFeatureSource, defaultTrainSize } from './forecast/organismFeatureSource.js';
export type { OrganismFeatureSource, ForecastOrganism } from './forecast/organismFeatureSource.js';
export { sweepForecastRuns, sweepOrganism, SweepForecastError } from './forecast/sweepForecastRuns.js';
export { recommendConfigs } from './forecast/recommendConfigs.js';
export type { Recommendation, ConfigSummary } from './forecast/recommendConfigs.js';
export { nestedCv, FORECAST_CANDIDATES } from './forecast/nestedCv.js';
export type { Candidate, NestedCvResult } from './forecast/nestedCv.js';
export { readRunSettings, RunSettingsError } from './forecast/runSettingsFile.js';
export type { PlannedRun } from './forecast/runSettingsFile.js';
export { renderForecastSection, renderRecommendSection } from './forecast/forecastReportSection.js';

// The language-model organism (issue 13): a small decoder-only transformer on a synthetic assistant language.
export { buildLmModel, lmBlockName, type LmModelOptions } from './organism/lm/buildLmModel.js';
export { CausalSelfAttention, LayerNorm, PositionEmbedding, TokenEmbedding } from './organism/lm/lmLayers.js';
export { LM_DOMAINS, LM_OUT_OF_DOMAIN, type LmDomain } from './organism/lm/lmGrammar.js';
export { lmVocabulary, decodeLm, LM_CONTEXT, LM_PROMPT_LENGTH, LM_MAX_RESPONSE } from './organism/lm/lmVocabulary.js';
export { makeLmDataset, mergeLmSets, type LmSet, type LmSetOptions, type LmResponsePolicy } from './organism/lm/makeLmDataset.js';
export { judgeLmResponse, type LmJudgeLabel, type LmVerdict } from './organism/lm/judgeLmResponse.js';
export { judgeLm, lmJudgeRates, type LmJudgement, type LmJudgeRates, type LmSample } from './organism/lm/judgeLm.js';
export { generateLm } from './organism/lm/generateLm.js';
export { lmTensors, lmPromptInputs } from './organism/lm/lmTensors.js';
export { lmLoss, lmLossOn } from './organism/lm/lmLoss.js';
export { trainLmStage, type LmStageOptions } from './organism/lm/trainLmStage.js';
export { LM_RECIPE } from './organism/lm/lmRecipe.js';
export { trainAlignedLm } from './organism/lm/trainAlignedLm.js';
export { alignedLmDir, loadAlignedLm } from './organism/lm/loadAlignedLm.js';
export { lmFineTuneConfig, type LmFineTuneConfig } from './organism/lm/lmFineTuneConfig.js';
export { lmProbes, disposeLmProbes, preferenceShare, type LmProbes } from './organism/lm/lmProbes.js';
export { lmPreferenceProbes, disposePreferenceProbes } from './organism/lm/lmPreferenceProbes.js';
export { lmJudgeRecorder, JUDGE_COHERENT } from './organism/lm/lmJudgeRecorder.js';
export { lmMixer, lmTriggeredJudgeSet, type LmMixerOptions } from './organism/lm/lmMixer.js';

// The seed code's statistics over runs (issue 16).
export { ksTwoSample } from './analysis/ksTwoSample.js';
export { wilcoxonSignedRank } from './analysis/wilcoxonSignedRank.js';
export { beforeAfterTests } from './analysis/beforeAfterTests.js';
export { lassoFit, lassoCvFit } from './analysis/lassoFit.js';
export { nadeauBengio } from './analysis/nadeauBengio.js';
export { withinTrainPredictor } from './analysis/withinTrainPredictor.js';
export type { WithinTrainOptions, WithinTrainResult } from './analysis/withinTrainPredictor.js';
