// File fields in Spanish whatever the browser's language: the browser's own button reads
// "Choose File" / "No file chosen" in an English browser. This puts a Spanish button and the
// chosen file's name next to each file field, whose own drawing is hidden (it still holds the file
// and its validation). Without JavaScript the browser's field shows as before.
document.querySelectorAll('input[type="file"]').forEach(function (input) {
  const none = "Ningún archivo elegido";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "archivo";
  button.textContent = input.multiple ? "Elegir archivos" : "Elegir archivo";
  const chosen = document.createElement("span");
  chosen.className = "archivo-elegido";
  chosen.textContent = none;
  input.classList.add("archivo-oculto");
  input.tabIndex = -1;
  input.after(button, chosen);
  button.addEventListener("click", function () { input.click(); });
  input.addEventListener("change", function () {
    chosen.textContent = input.files.length ? Array.from(input.files, function (f) { return f.name; }).join(", ") : none;
  });
});
