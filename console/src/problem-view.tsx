import type { ApiProblem } from './api.js';

/** An API failure as the user sees it: the problem's title and detail (and its issues), never a blank page. */
export function ProblemView({ problem }: { problem: ApiProblem }) {
  return (
    <div class="problem" role="alert" data-testid="problem">
      <strong data-testid="problem-title">{problem.title}</strong>
      <span data-testid="problem-detail">{problem.detail}</span>
      {problem.issues.length > 0 && (
        <ul>
          {problem.issues.map((issue) => (
            <li key={issue.path}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
