// Mesa home: Enter continues the batch in progress.
document.addEventListener("keydown", function (e) {
  const go = document.getElementById("continuar");
  if (e.key === "Enter" && go && e.target.tagName !== "INPUT") { e.preventDefault(); window.location = go.href; }
});
