import { useEffect, useRef, useState } from "react";
import embed, { type VisualizationSpec } from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

/** Draws a Vega-Lite spec as SVG. Vega's expressions run through its interpreter, so the page's
 * Content-Security-Policy needs no 'unsafe-eval'. */
export function Chart({ spec, title }: { spec: Record<string, unknown>; title: string }) {
  const target = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!target.current) return;
    let finalize: (() => void) | undefined;
    embed(target.current, spec as VisualizationSpec, {
      renderer: "svg",
      actions: false,
      ast: true,
      expr: expressionInterpreter,
      defaultStyle: false,
    })
      .then((result) => {
        finalize = () => result.finalize();
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    return () => finalize?.();
  }, [spec]);
  return (
    <figure className="chart">
      <div ref={target} role="img" aria-label={title} />
      {error ? (
        <p className="state error" role="alert">
          The chart could not be drawn: {error}
        </p>
      ) : null}
    </figure>
  );
}
