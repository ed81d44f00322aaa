// Shared test setup: nothing yet beyond the matchers below.
export {};
