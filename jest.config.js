// Two projects so a developer can run the fast pure tier alone (`npm run test:unit`);
// `npm test` runs both. Integration tests share one stack started in globalSetup.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  // One worker: integration tests share one broker and the embedded TimescaleDB, which serves
  // one connection at a time. On the 2-core machines this project runs on, jest's default
  // (half the cores) is one worker anyway.
  maxWorkers: 1,
  // No forceExit here: the unit tier must end on its own, so a test leaving a timer or socket
  // behind shows. The integration scripts pass --forceExit: a failed test there can leave a
  // Kafka client's reconnect timers behind, and the run must still end with its verdict.
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/integration-timeout.ts'],
    },
  ],
};
