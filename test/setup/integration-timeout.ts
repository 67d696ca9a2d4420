// Integration tests wait on real brokers and databases; jest's 5 s default is for unit tests.
// (testTimeout is not a per-project option, so the integration project sets it here.)
jest.setTimeout(120_000);
