import { Button, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { errorText } from "./states";

/** The end of a dialog's form: what went wrong (if anything), Cancel, and the submit button. */
export function FormActions({
  error,
  onCancel,
  submitLabel,
  loading,
  disabled,
  color,
}: {
  error?: unknown;
  onCancel: () => void;
  submitLabel: string;
  loading: boolean;
  disabled?: boolean;
  color?: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      {error ? (
        <Text role="alert" c="red.8" size="sm">
          {typeof error === "string" ? error : errorText(t, error)}
        </Text>
      ) : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          {t("console.action.cancel")}
        </Button>
        <Button type="submit" loading={loading} disabled={disabled} color={color}>
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}
