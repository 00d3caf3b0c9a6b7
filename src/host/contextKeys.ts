/** Context keys the host sets for the manifest's `when` clauses (free of `vscode`, for the manifest test). */

/** The workspace holds an optidel.json (workspaceRelevance.ts): the explorer offers "Add to Pool". */
export const HAS_CONFIG_KEY = 'optidel.hasConfig';
