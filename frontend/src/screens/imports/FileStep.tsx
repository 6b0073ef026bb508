import { Alert, Badge, Button, FileInput, Group, List, Stack, Table, Text } from "@mantine/core";
import { IconAlertTriangle, IconFileTypeCsv } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ScrollTable } from "../../components/ScrollTable";
import { useFormat } from "../../i18n/format";
import { previewCsv, type Preview } from "./csvPreview";

const KNOWN = ["email", "name", "language", "timezone", "country"];

export function FileStep({
  file,
  onFile,
  onNext,
  cancelTo,
}: {
  file: File | null;
  onFile: (file: File | null) => void;
  onNext: () => void;
  cancelTo: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    let live = true;
    setPreview(null);
    if (file) void previewCsv(file).then((p) => live && setPreview(p));
    return () => {
      live = false;
    };
  }, [file]);
  const hasEmail = preview?.columns.includes("email") ?? false;

  return (
    <Stack mt="lg" maw={880}>
      <FileInput
        label={t("console.imports.file_label")}
        description={t("console.imports.file_help")}
        placeholder={t("console.imports.file_placeholder")}
        accept=".csv,text/csv"
        leftSection={<IconFileTypeCsv size={18} aria-hidden />}
        value={file}
        onChange={onFile}
        clearable
      />
      <Text size="sm" c="dimmed">
        {t("console.imports.columns_help")}
      </Text>
      {preview && (
        <Stack gap="xs">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {t("console.imports.columns_found")}
            </Text>
            {preview.columns.map((c) => (
              <Badge
                key={c}
                variant={c === "email" ? "filled" : "outline"}
                color={c === "email" ? "teal.9" : KNOWN.includes(c) ? "dark" : "gray.8"}
                radius="sm"
                tt="none"
              >
                {c}
              </Badge>
            ))}
          </Group>
          <Text size="sm">{t("console.imports.rows_estimate", { count: preview.approxRows, rows: f.number(preview.approxRows) })}</Text>
          {!hasEmail && (
            <Alert color="orange" icon={<IconAlertTriangle aria-hidden />} role="alert">
              {t("console.imports.no_email_column")}
            </Alert>
          )}
          {preview.sample.length > 0 && (
            <ScrollTable minWidth={480}>
              <Table withTableBorder fz="sm" verticalSpacing={4}>
                <caption>{t("console.imports.sample")}</caption>
                <Table.Thead>
                  <Table.Tr>
                    {preview.columns.map((c, i) => (
                      <Table.Th key={i}>{c}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.sample.map((row, i) => (
                    <Table.Tr key={i}>
                      {preview.columns.map((_, j) => (
                        <Table.Td key={j}>{row[j] ?? ""}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )}
          <List size="sm" c="dimmed">
            <List.Item>{t("console.imports.rule_skip")}</List.Item>
            <List.Item>{t("console.imports.rule_rerun")}</List.Item>
          </List>
        </Stack>
      )}
      <Group>
        <Button component={Link} to={cancelTo} variant="default">
          {t("console.action.cancel")}
        </Button>
        <Button onClick={onNext} disabled={!file || !hasEmail}>
          {t("console.action.continue")}
        </Button>
      </Group>
    </Stack>
  );
}
