import { colourOf, heatAlpha, segmentsOf, withAlpha, type Highlight } from './highlight.js';

/** A field's text with the matched words drawn in their query token's colour (heat = similarity). */
export function MarkedText({ text, highlights, field, from, to }: { text: string; highlights: readonly Highlight[]; field: 'title' | 'text'; from?: number; to?: number }) {
  return (
    <>
      {segmentsOf(text, highlights, from, to).map((segment, i) =>
        segment.highlight ? (
          <mark
            key={i}
            class="match"
            style={{ background: withAlpha(colourOf(segment.highlight.queryIndex), heatAlpha(segment.highlight.similarity)), borderColor: colourOf(segment.highlight.queryIndex) }}
            title={`${segment.highlight.queryToken}: similarity ${segment.highlight.similarity.toFixed(3)}`}
            data-field={field}
            data-start={segment.highlight.start}
            data-end={segment.highlight.end}
            data-query-index={segment.highlight.queryIndex}
            data-query-token={segment.highlight.queryToken}
          >
            {segment.text}
          </mark>
        ) : (
          <span key={i}>{segment.text}</span>
        ),
      )}
    </>
  );
}
