/** The trainer (retraining from history, ModelUpdated) and the model follower processors swap versions with. */
export { runTrainingCycle, defaultTrainerOptions, type TrainerDeps, type TrainerOptions, type TrainingCycleResult, type ModelCycleResult } from './cycle';
export { startTrainingLoop, type TrainingLoop, type TrainingLoopOptions } from './loop';
export { createModelUpdatePublisher, type ModelUpdatePublisher } from './publisher';
export { createModelFollower, type ModelApplier, type ModelFollower, type ModelFollowerOptions } from './follower';
export { createEstimatorRegistry, createVersionRegistry, type ActiveEstimator, type EstimatorRegistry, type VersionRegistry } from './registry';
export { shippedEstimator, getArtifact, getArtifactBody, putArtifact } from './model-store';
export { createCurrentVersions, followCurrentVersions, type CurrentVersions, type PromotedVersion } from './current-versions';
export { recordPredictionErrors, readAnalyzedTrainingRows, readEventTrainingRows, recordRequestFeatures, predictionErrorByVersion, readClusterLoadSeries, type Window } from './history';
export { createFeatureRecorder, type FeatureRecorder, type FeatureRecorderOptions } from './feature-recorder';
export { connectTrainer, type TrainerService, type TrainerServiceOptions } from './service';
export { codeEstimatorApplier, followModels, forecastModelsApplier, type FollowedModels, type FollowModelsOptions } from './follow';
export { startTrainerThread, type TrainerThread } from './thread';
