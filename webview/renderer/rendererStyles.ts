/**
 * The renderer's own CSS (the charts bring theirs). Adopted into the output's shadow root so it
 * cannot leak into other outputs, and coloured only through --vscode-* variables (with fallbacks
 * for hosts that do not set them) so it follows the theme without a redraw.
 */
export const RENDERER_CSS = `
:host { display: block; }
.ods { color: var(--vscode-foreground, #cccccc); font: 13px var(--vscode-font-family, system-ui, sans-serif); padding: 4px 0; container-type: inline-size; }
.ods h3 { margin: 0 0 6px; font-size: 14px; font-weight: 600; }
.ods-stats { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 0 0 8px; padding: 0; }
.ods-stat { display: flex; flex-direction: column; }
.ods-stat dt { color: var(--vscode-descriptionForeground, #9d9d9d); font-size: 11px; }
.ods-stat dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
.ods-controls { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 0 0 8px; }
.ods-controls label { display: inline-flex; gap: 4px; align-items: center; color: var(--vscode-descriptionForeground, #9d9d9d); }
.ods select, .ods input, .ods button {
  font: inherit; color: var(--vscode-input-foreground, var(--vscode-foreground, #cccccc));
  background: var(--vscode-input-background, #3c3c3c);
  border: 1px solid var(--vscode-input-border, var(--vscode-widget-border, transparent)); border-radius: 2px; padding: 2px 4px; }
.ods input[type=number] { width: 6em; }
.ods input[type=search] { width: 12em; }
.ods button { cursor: pointer; color: var(--vscode-button-secondaryForeground, var(--vscode-foreground, #cccccc));
  background: var(--vscode-button-secondaryBackground, #3a3d41); }
.ods button:hover { background: var(--vscode-button-secondaryHoverBackground, #45494e); }
.ods button.ods-primary { color: var(--vscode-button-foreground, #ffffff); background: var(--vscode-button-background, #0e639c); }
.ods button.ods-primary:hover { background: var(--vscode-button-hoverBackground, #1177bb); }
.ods button[aria-pressed=true] { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.ods :focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: 1px; }
.ods-count { color: var(--vscode-descriptionForeground, #9d9d9d); font-variant-numeric: tabular-nums; }
.ods-charts { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; align-items: start; }
@container (max-width: 560px) { .ods-charts { grid-template-columns: minmax(0, 1fr); } }
.ods-chart-title { color: var(--vscode-descriptionForeground, #9d9d9d); font-size: 11px; margin: 0 0 2px; }
.ods-strip-title { color: var(--vscode-descriptionForeground, #9d9d9d); font-size: 11px; margin: 8px 0 2px; }
.ods-strip { display: flex; flex-wrap: wrap; gap: 3px; }
/* Two classes, to win over the ".ods button" look: a thumbnail is a picture, not a grey button. */
.ods .ods-thumb { padding: 0; border: 1px solid transparent; border-radius: 0; background: transparent; line-height: 0; }
.ods .ods-thumb:hover, .ods .ods-thumb.ods-active { border-color: var(--vscode-focusBorder, #007fd4); background: transparent; }
.ods-thumb img { width: 32px; height: 32px; image-rendering: pixelated; }
.ods-more { align-self: center; color: var(--vscode-descriptionForeground, #9d9d9d); padding: 0 6px; }
.ods-details { display: flex; gap: 10px; align-items: flex-start; min-height: 72px; margin-top: 8px; padding: 6px;
  border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, #454545)); border-radius: 2px; }
.ods-details img { width: 64px; height: 64px; image-rendering: pixelated; flex: none; }
.ods-details dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 0; }
.ods-details dt { color: var(--vscode-descriptionForeground, #9d9d9d); }
.ods-details dd { margin: 0; overflow-wrap: anywhere; }
.ods-hint { color: var(--vscode-descriptionForeground, #9d9d9d); }
.ods-error { border-left: 3px solid var(--vscode-editorError-foreground, #f14c4c); padding: 6px 10px;
  background: var(--vscode-inputValidation-errorBackground, rgba(241, 76, 76, 0.1)); }
.ods-error strong { color: var(--vscode-editorError-foreground, #f14c4c); }
.ods-error ul { margin: 4px 0; padding-left: 18px; }
.ods-error code { font-family: var(--vscode-editor-font-family, monospace); }
`;
