/**
 * The `--vscode-*` variables VS Code sets on a webview, for the themes the tests render in (values
 * from VS Code's Dark Modern, Light Modern and High Contrast themes), plus the body class it sets.
 */
export type ThemeName = 'dark' | 'light' | 'high-contrast';

const COMMON = {
  'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': 'monospace',
};

export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      ...COMMON,
      'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', foreground: '#cccccc', descriptionForeground: '#9d9d9d',
      disabledForeground: '#6b6b6b', focusBorder: '#0078d4', 'widget-border': '#313131', 'panel-border': '#2b2b2b',
      'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c', 'charts-yellow': '#cca700',
      'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'button-border': '#ffffff12',
      'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c',
      'dropdown-background': '#313131', 'dropdown-border': '#3c3c3c', 'dropdown-foreground': '#cccccc', 'dropdown-listBackground': '#1f1f1f',
      'input-background': '#313131', 'input-border': '#3c3c3c', 'input-foreground': '#cccccc', 'input-placeholderForeground': '#989898',
      'checkbox-background': '#313131', 'checkbox-border': '#3c3c3c', 'checkbox-foreground': '#cccccc',
      'list-activeSelectionBackground': '#0078d4', 'list-activeSelectionForeground': '#ffffff', 'list-hoverBackground': '#2a2d2e', 'list-focusOutline': '#0078d4',
      'editorHoverWidget-background': '#202020', 'editorHoverWidget-foreground': '#cccccc', 'editorHoverWidget-border': '#454545',
      'editorWidget-background': '#202020', 'editorWarning-foreground': '#cca700', 'editorError-foreground': '#f85149',
      'inputValidation-warningBackground': '#352a05', 'inputValidation-errorBackground': '#5a1d1d', 'progressBar-background': '#0078d4',
      'keybindingTable-rowsBackground': '#ffffff0f', 'textLink-foreground': '#4daafc',
      'settings-textInputBackground': '#313131', 'settings-textInputForeground': '#cccccc', 'settings-textInputBorder': '#3c3c3c',
      'settings-dropdownBackground': '#313131', 'settings-dropdownForeground': '#cccccc', 'settings-dropdownBorder': '#3c3c3c', 'settings-dropdownListBorder': '#454545',
      'settings-checkboxBackground': '#313131', 'settings-checkboxForeground': '#cccccc', 'settings-checkboxBorder': '#3c3c3c',
      'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'widget-shadow': '#0000005c', 'list-highlightForeground': '#2aaaff',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...COMMON,
      'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', foreground: '#3b3b3b', descriptionForeground: '#3b3b3b',
      disabledForeground: '#8a8a8a', focusBorder: '#005fb8', 'widget-border': '#e5e5e5', 'panel-border': '#e5e5e5',
      'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90', 'charts-red': '#e51400', 'charts-yellow': '#bf8803',
      'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'button-border': '#0000001a',
      'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc',
      'dropdown-background': '#ffffff', 'dropdown-border': '#cecece', 'dropdown-foreground': '#3b3b3b', 'dropdown-listBackground': '#ffffff',
      'input-background': '#ffffff', 'input-border': '#cecece', 'input-foreground': '#3b3b3b', 'input-placeholderForeground': '#767676',
      'checkbox-background': '#f8f8f8', 'checkbox-border': '#cecece', 'checkbox-foreground': '#3b3b3b',
      'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000', 'list-hoverBackground': '#f2f2f2', 'list-focusOutline': '#005fb8',
      'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-foreground': '#3b3b3b', 'editorHoverWidget-border': '#c8c8c8',
      'editorWidget-background': '#f8f8f8', 'editorWarning-foreground': '#bf8803', 'editorError-foreground': '#e51400',
      'inputValidation-warningBackground': '#f6f5d2', 'inputValidation-errorBackground': '#f2dede', 'progressBar-background': '#005fb8',
      'keybindingTable-rowsBackground': '#0000000a', 'textLink-foreground': '#005fb8',
      'settings-textInputBackground': '#ffffff', 'settings-textInputForeground': '#3b3b3b', 'settings-textInputBorder': '#cecece',
      'settings-dropdownBackground': '#ffffff', 'settings-dropdownForeground': '#3b3b3b', 'settings-dropdownBorder': '#cecece', 'settings-dropdownListBorder': '#c8c8c8',
      'settings-checkboxBackground': '#f8f8f8', 'settings-checkboxForeground': '#3b3b3b', 'settings-checkboxBorder': '#cecece',
      'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'widget-shadow': '#00000029', 'list-highlightForeground': '#0066bf',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      ...COMMON,
      'editor-background': '#000000', 'editor-foreground': '#ffffff', foreground: '#ffffff', descriptionForeground: '#ffffff',
      disabledForeground: '#a5a5a5', focusBorder: '#f38518', contrastBorder: '#6fc3df', 'widget-border': '#6fc3df', 'panel-border': '#6fc3df',
      'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c', 'charts-yellow': '#ffff00',
      'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff',
      'dropdown-background': '#000000', 'dropdown-border': '#6fc3df', 'dropdown-foreground': '#ffffff', 'dropdown-listBackground': '#000000',
      'input-background': '#000000', 'input-border': '#6fc3df', 'input-foreground': '#ffffff',
      'checkbox-background': '#000000', 'checkbox-border': '#6fc3df', 'checkbox-foreground': '#ffffff',
      'list-activeSelectionBackground': '#000000', 'list-focusOutline': '#f38518',
      'editorHoverWidget-background': '#0c141f', 'editorHoverWidget-foreground': '#ffffff', 'editorHoverWidget-border': '#6fc3df',
      'editorWidget-background': '#0c141f', 'editorWarning-foreground': '#ffd370', 'editorError-foreground': '#f48771',
      'inputValidation-warningBackground': '#000000', 'inputValidation-errorBackground': '#000000', 'progressBar-background': '#6fc3df',
      'keybindingTable-rowsBackground': '#000000', 'textLink-foreground': '#21a6ff',
      'settings-textInputBackground': '#000000', 'settings-textInputForeground': '#ffffff', 'settings-textInputBorder': '#6fc3df',
      'settings-dropdownBackground': '#000000', 'settings-dropdownForeground': '#ffffff', 'settings-dropdownBorder': '#6fc3df', 'settings-dropdownListBorder': '#6fc3df',
      'settings-checkboxBackground': '#000000', 'settings-checkboxForeground': '#ffffff', 'settings-checkboxBorder': '#6fc3df',
      'badge-background': '#000000', 'badge-foreground': '#ffffff', 'list-highlightForeground': '#f38518',
    },
  },
};
