import { Component, render, type ComponentChildren } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { api, apiKey, ApiProblem, indexesPath, type IndexInfo } from './api.js';
import { KeyForm } from './key-form.js';
import { IndexesPage } from './pages/indexes.js';
import { MatchPage } from './pages/match.js';
import { SearchPage } from './pages/search.js';
import { SweepsPage } from './pages/sweeps.js';
import { ProblemView } from './problem-view.js';
import { href, useRoute, type Page } from './route.js';
import { useApi } from './use-api.js';
import './styles.css';

const NAV: readonly [Page, string][] = [
  ['search', 'Search'],
  ['indexes', 'Indexes'],
  ['sweeps', 'Sweeps'],
];

function App() {
  const route = useRoute();
  // Bumped when the key changes, so every view asks again with it.
  const [generation, setGeneration] = useState(0);
  const [keyProblem, setKeyProblem] = useState<ApiProblem | undefined>(undefined);
  const onProblem = useCallback((problem: ApiProblem) => {
    if (problem.needsKey) setKeyProblem(problem);
  }, []);
  const indexes = useApi(() => api<{ indexes: IndexInfo[] }>('GET', indexesPath).then((r) => r.indexes), [generation], onProblem);
  const useKey = (key: string) => {
    apiKey.set(key);
    setKeyProblem(undefined);
    setGeneration((g) => g + 1);
  };
  const forgetKey = () => {
    apiKey.clear();
    setGeneration((g) => g + 1);
  };
  const page = route.page === 'match' ? 'search' : route.page;
  const context = { indexes: indexes?.state === 'done' ? indexes.value : [], generation, onProblem };
  return (
    <>
      <header>
        <a class="brand" href={href('search')}>
          lateindex
        </a>
        <nav>
          {NAV.map(([target, label]) => (
            <a key={target} href={href(target)} class={page === target ? 'active' : ''} data-testid={`nav-${target}`}>
              {label}
            </a>
          ))}
        </nav>
        {apiKey.get() !== null && (
          <button type="button" class="link" onClick={forgetKey} data-testid="forget-key">
            forget API key
          </button>
        )}
      </header>
      <main>
        {keyProblem && <KeyForm problem={keyProblem} onKey={useKey} />}
        {indexes?.state === 'failed' && !indexes.problem.needsKey && <ProblemView problem={indexes.problem} />}
        {!keyProblem && route.page === 'search' && <SearchPage params={route.params} {...context} />}
        {!keyProblem && route.page === 'match' && <MatchPage params={route.params} {...context} />}
        {!keyProblem && route.page === 'indexes' && <IndexesPage {...context} loading={indexes?.state === 'loading'} />}
        {!keyProblem && route.page === 'sweeps' && <SweepsPage params={route.params} {...context} />}
      </main>
    </>
  );
}

/** A failure while drawing a page is shown like an API problem, never as a blank page. */
class Failsafe extends Component<{ children: ComponentChildren }, { failure?: ApiProblem }> {
  override componentDidCatch(error: unknown): void {
    this.setState({ failure: new ApiProblem(0, 'console_error', 'The console failed to draw this page', String(error)) });
  }

  override render() {
    return this.state.failure ? <ProblemView problem={this.state.failure} /> : this.props.children;
  }
}

render(
  <Failsafe>
    <App />
  </Failsafe>,
  document.getElementById('app')!,
);
