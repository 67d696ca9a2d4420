/** The trainer (retraining from history, ModelUpdated) and the model follower processors swap versions with. */
export { runTrainingCycle, defaultTrainerOptions, type TrainerDeps, type TrainerOptions, type TrainingCycleResult, type ModelCycleResult } from './cycle';
export { startTrainingLoop, type TrainingLoop, type TrainingLoopOptions } from './loop';
export { createModelUpdatePublisher, type ModelUpdatePublisher } from './publisher';
export { createModelFollower, type ModelFollower, type ModelFollowerOptions } from './follower';
export { createEstimatorRegistry, type ActiveEstimator, type EstimatorRegistry } from './registry';
export { shippedEstimator, getArtifact, putArtifact, latestPromoted } from './model-store';
export { recordPredictionErrors, readAnalyzedTrainingRows, readEventTrainingRows, recordRequestFeatures, predictionErrorByVersion, type Window } from './history';
export { createFeatureRecorder, type FeatureRecorder, type FeatureRecorderOptions } from './feature-recorder';
export { connectTrainer, type TrainerService, type TrainerServiceOptions } from './service';
export { followCodeModels, type FollowedCodeModels } from './follow';
