// The composition root for the guard's plugins: plugins/ builds on src/, and src/ never imports
// plugins/ except here (checked by dependency-cruiser). The package entry imports this module, so
// `import { emGuard } from 'em-guard'` has every built-in action and metric.
import { abortAction } from '../plugins/actions/abortAction.js';
import { checkpointAction } from '../plugins/actions/checkpointAction.js';
import { mixAction } from '../plugins/actions/mixAction.js';
import { reduceLrAction } from '../plugins/actions/reduceLrAction.js';
import { rewindAction } from '../plugins/actions/rewindAction.js';
import { rollbackAction } from '../plugins/actions/rollbackAction.js';
import { warnAction } from '../plugins/actions/warnAction.js';
import { alignmentPreferencePlugins } from '../plugins/metrics/alignmentPreference.js';
import { alignmentProjectionPlugin } from '../plugins/metrics/alignmentProjection.js';
import { alignmentScorePlugin } from '../plugins/metrics/alignmentScore.js';
import { registerBuiltinPlugins } from './guard/builtinPlugins.js';

registerBuiltinPlugins({
  actions: [warnAction, checkpointAction, abortAction, rollbackAction, mixAction, reduceLrAction, rewindAction],
  metrics: [alignmentScorePlugin, alignmentProjectionPlugin, alignmentPreferencePlugins],
});
