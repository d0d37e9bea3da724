/** The run form: every field of StartTestRequest (form-model.ts), start and stop, and the API's refusals next to the fields they name. */
import { ApiFailure } from "./api";
import { h, replace } from "./dom";
import { buildRequest, formFields, labelOf, type FormField, type FormValues, type JsonSchema } from "./form-model";

/** Filled in so that Start works at once; the rest is left to the API's defaults. */
const EXAMPLE_VALUES: Record<string, string> = {
  pattern: "constant",
  durationSec: "30",
  constantRate: "50",
  rampStart: "10",
  rampEnd: "100",
  baselineRate: "20",
  spikeRate: "100",
  spikeDuration: "5",
  spikeInterval: "15",
  burstCount: "200",
  adaptiveInitialRate: "50",
  "realisticConfig.targetTps": "50",
};

/** Shown folded under "More options": they apply to every pattern and are seldom changed. */
const MORE_OPTIONS = new Set(["tipGwei", "regions", "regionWeights", "circuitBreaker"]);

export interface RunForm {
  element: HTMLFormElement;
  /** A run is active: Start waits, Stop is offered. */
  setActive(active: boolean): void;
}

export function runForm(schema: JsonSchema, actions: { start(request: Record<string, unknown>): Promise<void>; stop(): Promise<void> }): RunForm {
  const fields = formFields(schema);
  const summary = h("div", { class: "form-error", role: "alert", hidden: true });
  const startButton = h("button", { type: "submit", class: "primary", "data-action": "start" }, "Start run");
  const stopButton = h("button", { type: "button", class: "danger", "data-action": "stop", disabled: true }, "Stop run");
  const main = fields.filter((f) => !MORE_OPTIONS.has(f.path));
  const more = fields.filter((f) => MORE_OPTIONS.has(f.path));
  const form = h(
    "form",
    { class: "run-form", novalidate: true },
    main.map(fieldElement),
    h("details", { class: "more" }, h("summary", {}, "More options"), more.map(fieldElement)),
    summary,
    h("div", { class: "actions" }, startButton, stopButton),
  );
  // The name goes first: it is what the history shows.
  const nameField = form.querySelector('[data-path="name"]');
  if (nameField) form.prepend(nameField);

  const pattern = () => (form.elements.namedItem("pattern") as HTMLSelectElement).value;
  const showPatternFields = () => {
    for (const wrapper of form.querySelectorAll<HTMLElement>("[data-patterns]")) {
      wrapper.hidden = !wrapper.dataset.patterns!.split(" ").includes(pattern());
    }
  };
  form.addEventListener("change", (event) => {
    if ((event.target as HTMLElement).getAttribute("name") === "pattern") showPatternFields();
  });
  showPatternFields();

  const run = async (what: () => Promise<void>) => {
    clearErrors(form, summary);
    startButton.disabled = stopButton.disabled = true;
    try {
      await what();
    } catch (err) {
      showErrors(form, summary, err);
      startButton.disabled = false;
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(() => actions.start(buildRequest(fields, readValues(form, fields), pattern())));
  });
  stopButton.addEventListener("click", () => void run(actions.stop));

  return {
    element: form,
    setActive(active) {
      startButton.disabled = active;
      stopButton.disabled = !active;
    },
  };
}

function fieldElement(field: FormField): HTMLElement {
  const attrs = { class: "field", "data-path": field.path, "data-patterns": field.patterns.length > 0 ? field.patterns.join(" ") : null };
  if (field.kind === "group") {
    return h("details", { ...attrs, class: "group", open: field.path === "realisticConfig" }, h("summary", {}, labelOf(field.path)), field.children.map(fieldElement));
  }
  if (field.kind === "choices") {
    const options = field.schema.items?.enum ?? [];
    return h("fieldset", attrs, h("legend", {}, labelOf(field.path)), h("div", { class: "choices" }, options.map((o) => h("label", {}, h("input", { type: "checkbox", name: field.path, value: o }), o))));
  }
  return h("label", attrs, h("span", {}, labelOf(field.path)), inputOf(field));
}

function inputOf(field: FormField): HTMLElement {
  const { schema, path } = field;
  const initial = EXAMPLE_VALUES[path];
  if (field.kind === "choice") {
    const fallback = schema.default === undefined ? (path === "pattern" ? null : "—") : `${schema.default} (default)`;
    return h(
      "select",
      { name: path },
      fallback === null ? null : h("option", { value: "" }, fallback),
      (schema.enum ?? []).map((o) => h("option", { value: o, selected: o === initial }, o)),
    );
  }
  if (field.kind === "number") {
    return h("input", {
      type: "number",
      name: path,
      step: schema.type === "integer" ? 1 : "any",
      min: schema.minimum ?? schema.exclusiveMinimum,
      max: schema.maximum,
      placeholder: schema.default === undefined ? "" : String(schema.default),
      value: initial,
    });
  }
  return h("input", { type: "text", name: path, value: initial, maxlength: 200 });
}

function readValues(form: HTMLFormElement, fields: FormField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    if (field.kind === "group") Object.assign(values, readValues(form, field.children));
    else if (field.kind === "choices") values[field.path] = [...form.querySelectorAll<HTMLInputElement>(`input[name="${field.path}"]:checked`)].map((i) => i.value);
    else values[field.path] = (form.elements.namedItem(field.path) as HTMLInputElement | HTMLSelectElement).value;
  }
  return values;
}

function clearErrors(form: HTMLFormElement, summary: HTMLElement): void {
  summary.hidden = true;
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

/** The API's 400 names each field and its rule: each message goes under its field (or the nearest group shown). */
function showErrors(form: HTMLFormElement, summary: HTMLElement, err: unknown): void {
  replace(summary, err instanceof Error ? err.message : String(err));
  summary.hidden = false;
  if (!(err instanceof ApiFailure)) return;
  for (const { field, message } of err.details) {
    let path = field;
    let wrapper = form.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
    while (!wrapper && path.includes(".")) {
      path = path.slice(0, path.lastIndexOf("."));
      wrapper = form.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
    }
    if (!wrapper) continue;
    wrapper.classList.add("invalid");
    wrapper.append(h("div", { class: "field-error" }, message));
  }
}
