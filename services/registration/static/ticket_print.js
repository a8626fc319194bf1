/* The printable ticket's button: the browser's print dialog (the receipt printer). */
document.getElementById("print-now").addEventListener("click", function () { window.print(); });
