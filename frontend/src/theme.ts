import { createTheme, Drawer, FileInput, Modal, MultiSelect, Notification, Select, type CSSVariablesResolver, type MantineThemeOverride } from "@mantine/core";

// System fonts only: nothing is fetched from elsewhere. Shade 8 of blue keeps text on
// buttons and links above WCAG AA contrast; "dimmed" text is darkened for the same reason.
const base = {
  primaryColor: "blue",
  primaryShade: { light: 8, dark: 5 },
  autoContrast: true,
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
  defaultRadius: "md",
  respectReducedMotion: true,
} satisfies MantineThemeOverride;

/** The theme, with close and clear buttons named in the console's language (screen readers). */
export function makeTheme(closeLabel: string, clearLabel: string) {
  const closeButtonProps = { "aria-label": closeLabel };
  const clearButtonProps = { "aria-label": clearLabel };
  return createTheme({
    ...base,
    components: {
      Modal: Modal.extend({ defaultProps: { closeButtonProps } }),
      Drawer: Drawer.extend({ defaultProps: { closeButtonProps } }),
      Notification: Notification.extend({ defaultProps: { closeButtonProps } }),
      FileInput: FileInput.extend({ defaultProps: { clearButtonProps } }),
      Select: Select.extend({ defaultProps: { clearButtonProps } }),
      MultiSelect: MultiSelect.extend({ defaultProps: { clearButtonProps } }),
    },
  });
}

// Text on "light" backgrounds (active navigation, light buttons and badges) one shade darker
// than Mantine's default, which sits just under the 4.5:1 contrast WCAG AA asks for.
const DARKER_LIGHT_TEXT = ["blue", "gray", "teal", "red", "green", "dark"] as const;

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": t.colors.gray[7] ?? "#495057",
    "--mantine-primary-color-light-color": "var(--mantine-color-blue-9)",
    ...Object.fromEntries(
      DARKER_LIGHT_TEXT.map((c) => [`--mantine-color-${c}-light-color`, `var(--mantine-color-${c}-9)`]),
    ),
  },
  dark: {},
});
