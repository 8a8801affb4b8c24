// Drag and drop onto the upload form, and a list of the files chosen. A
// progressive enhancement: without scripts the file input works as it is, and the
// form is sent the same way either way. A module file: the CSP allows no inline
// script, and the look comes from classes in portal.css (no style attributes).

const zone = document.querySelector("[data-cld-dropzone]");
const input = zone && zone.querySelector("input[type=file]");

if (zone && input && typeof DataTransfer === "function") {
  const chosen = zone.querySelector("[data-cld-chosen]");
  const hint = zone.querySelector("[data-cld-drop-hint]");

  const show = () => {
    chosen.replaceChildren(
      ...Array.from(input.files, (file) => {
        const item = document.createElement("li");
        item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024)).toLocaleString("en-GB")} KB)`;
        return item;
      }),
    );
  };

  // Files dropped join those already chosen (a file of the same name replaces
  // the one before, as choosing it again would).
  const add = (dropped) => {
    const files = new Map(Array.from(input.files, (file) => [file.name, file]));
    for (const file of dropped) files.set(file.name, file);
    const transfer = new DataTransfer();
    for (const file of files.values()) transfer.items.add(file);
    input.files = transfer.files;
    show();
  };

  const over = (event) => {
    if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("cld-dropzone--over");
  };
  const leave = (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("cld-dropzone--over");
  };

  zone.classList.add("cld-dropzone");
  if (hint) hint.hidden = false;
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", leave);
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("cld-dropzone--over");
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
  input.addEventListener("change", show);
  show();
}
