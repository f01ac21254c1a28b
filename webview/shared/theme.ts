import type { ThemeKind } from '../../src/charts/protocol';
import { css, parseColor } from './palette';

/**
 * The VS Code theme as a webview sees it: CSS variables on the document and a `vscode-<kind>` class on
 * body. Canvas drawing can't use CSS variables, so charts read them here and redraw on a theme switch.
 */
export interface Theme {
  kind: ThemeKind;
  foreground: string;
  background: string;
  /** Grid lines: the foreground, faint. */
  grid: string;
  muted: string;
  hoverBackground: string;
  hoverForeground: string;
  hoverBorder: string;
  fontFamily: string;
  fontSize: number;
}

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const classes = body.classList;
  // High-contrast light sets both classes; test it first.
  if (classes.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.contains('vscode-high-contrast')) return 'high-contrast';
  if (classes.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const bodyStyle = getComputedStyle(document.body);
  const read = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || bodyStyle.getPropertyValue(name).trim() || fallback;
  const kind = themeKind();
  const light = kind === 'light' || kind === 'high-contrast-light';
  const foreground = read('--vscode-foreground', light ? '#3b3b3b' : '#cccccc');
  const background = read('--vscode-editor-background', light ? '#ffffff' : '#1f1f1f');
  const fg = parseColor(foreground);
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  return {
    kind,
    foreground,
    background,
    grid: fg ? css(fg, highContrast ? 0.5 : 0.15) : foreground,
    muted: read('--vscode-descriptionForeground', foreground),
    hoverBackground: read('--vscode-editorHoverWidget-background', background),
    hoverForeground: read('--vscode-editorHoverWidget-foreground', foreground),
    hoverBorder: read('--vscode-editorHoverWidget-border', foreground),
    fontFamily: read('--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(read('--vscode-font-size', '13')) || 13,
  };
}

/**
 * Calls `onChange` after VS Code switches theme. It swaps the body class (light/dark/high contrast) and
 * rewrites the variables on <html>; a switch between two dark themes changes only the variables, so
 * both are watched and the callback runs only when what the apps read really changed.
 */
export function watchTheme(onChange: (theme: Theme) => void): void {
  let last = JSON.stringify(readTheme());
  const observer = new MutationObserver(() => {
    const theme = readTheme();
    const key = JSON.stringify(theme);
    if (key === last) return;
    last = key;
    onChange(theme);
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id', 'data-vscode-theme-name'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
