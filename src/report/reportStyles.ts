/** The report's inline stylesheet: light, print-friendly, no external fonts or assets. */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #212529; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 16px; margin: 28px 0 10px; color: #343a40; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
.subtitle { color: #6c757d; margin: 0 0 12px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #dee2e6; border-radius: 8px; padding: 12px 14px; }
.run-card h3 { margin: 0 0 6px; font-size: 16px; display: flex; align-items: center; gap: 8px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; flex: none; }
.run-card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 0; }
.run-card dt { color: #6c757d; }
.run-card dd { margin: 0; overflow-wrap: anywhere; }
.stop { margin: 4px 0 6px; padding: 6px 10px; border-radius: 6px; font-weight: 500; }
.stop-aborted { background: #fff0f0; color: #a61e1e; border: 1px solid #ffc9c9; }
.stop-completed { background: #ebfbee; color: #2b8a3e; border: 1px solid #b2f2bb; }
.stop-unknown { background: #fff9db; color: #8f5f00; border: 1px solid #ffe066; }
.legend-bar { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 14px 0 0; padding: 8px 12px; background: #fff; border: 1px solid #dee2e6; border-radius: 8px; position: sticky; top: 0; z-index: 1; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; }
.legend-line { display: inline-block; width: 22px; height: 0; border-top: 2.5px solid; }
.legend-line.dashed { border-top-style: dashed; border-color: #495057; }
.legend-band { display: inline-block; width: 16px; height: 12px; }
.legend-glyph { display: inline-block; width: 14px; text-align: center; font-weight: 700; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
figure.chart-card { margin: 0; background: #fff; border: 1px solid #dee2e6; border-radius: 8px; padding: 8px 10px 4px; }
figure.chart-card figcaption { font-weight: 600; font-size: 13.5px; }
figure.chart-card .caption-note { font-weight: 400; color: #6c757d; font-size: 12px; }
details { margin: 12px 0; }
details > summary { cursor: pointer; font-weight: 600; color: #343a40; padding: 6px 0; }
.notes { color: #8f5f00; background: #fff9db; border: 1px solid #ffe066; border-radius: 6px; padding: 6px 10px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 12.5px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { background: #f8f9fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.run-cell, td code { white-space: nowrap; }
.sev { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11.5px; }
.sev-critical { background: #ffe3e3; color: #a61e1e; }
.sev-warning { background: #fff3bf; color: #8f5f00; }
.gen { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11.5px; }
.gen-misaligned { background: #ffe3e3; color: #a61e1e; }
.gen-aligned { background: #d3f9d8; color: #2b8a3e; }
.gen-incoherent { background: #e9ecef; color: #495057; }
.sev-info { background: #e7f5ff; color: #1864ab; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg .grid { stroke: #eef0f2; stroke-width: 1; }
svg .axis { stroke: #adb5bd; stroke-width: 1; }
svg .tick { fill: #6c757d; font-size: 10.5px; }
svg .axis-label { fill: #495057; font-size: 11px; }
svg .series-line { fill: none; stroke-width: 1.9; stroke-linejoin: round; stroke-linecap: round; }
svg .point { stroke-width: 0.6; }
svg .point.hollow { stroke-width: 1.3; }
svg .series-line.dashed { stroke-width: 1.5; }
svg .ref-point { fill: #fff; stroke-width: 1.6; }
svg .threshold { stroke-width: 1.4; stroke-dasharray: 7 4; }
svg .threshold-label { font-size: 10.5px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .window-critical { fill: #fa5252; fill-opacity: 0.14; }
svg .window-warning { fill: #fab005; fill-opacity: 0.2; }
svg .window-info { fill: #4dabf7; fill-opacity: 0.14; }
svg .window-strip { fill-opacity: 0.75; }
svg .marker line { stroke-width: 1.3; }
svg .marker-checkpoint line { stroke-dasharray: 2 3; }
svg .marker-rollback line { stroke-dasharray: 6 2 1 2; }
svg .marker .glyph { stroke-width: 2; }
svg .empty { fill: #adb5bd; font-size: 13px; }
svg .legend-box { fill: #fff; fill-opacity: 0.92; stroke: #dee2e6; }
svg .legend-text { fill: #343a40; font-size: 11px; }
svg .fit-line { stroke: #343a40; stroke-width: 1.6; stroke-dasharray: 6 4; }
svg .scatter-point { stroke: #fff; stroke-width: 0.8; fill-opacity: 0.85; }
svg .chance { stroke: #adb5bd; stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .roc-curve { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
footer { margin-top: 32px; color: #868e96; font-size: 12px; }
`;
