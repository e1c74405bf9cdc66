// Small progressive enhancements for every page (no inline scripts anywhere).
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
