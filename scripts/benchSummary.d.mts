// Types of scripts/benchSummary.mjs for the TypeScript tests that import it.
export function benchSummary(root: string): string;
