// Types of validate-workflows-lib.mjs, for the TypeScript tests that import it.
export declare const WORKFLOW_DIRS: readonly string[];
export declare function actionFiles(root: string): string[];
export declare function workflowFiles(root: string): string[];
export declare function actionProblems(text: string): string[];
export declare function createWorkflowChecker(): Promise<(text: string, name: string) => Promise<string[]>>;
export interface ValidationProblem {
  readonly file: string;
  readonly message: string;
}
export declare function validateRepository(root: string): Promise<{
  actions: string[];
  workflows: string[];
  problems: ValidationProblem[];
}>;
