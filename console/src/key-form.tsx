import { useState } from 'preact/hooks';
import type { ApiProblem } from './api.js';
import { ProblemView } from './problem-view.js';

/** Asks for the API key when the server wants one (or rejected the one given); it is kept for this tab only. */
export function KeyForm({ problem, onKey }: { problem: ApiProblem; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="card key-form"
      data-testid="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (key.trim() !== '') onKey(key.trim());
      }}
    >
      <ProblemView problem={problem} />
      <label>
        API key
        <input type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} data-testid="key-input" autofocus />
      </label>
      <button type="submit" data-testid="key-submit">
        Use key
      </button>
      <p class="hint">The key stays in this tab's session storage and is sent as a Bearer token to this server only.</p>
    </form>
  );
}
