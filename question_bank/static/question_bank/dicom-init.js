// Starts a DicomViewer on every [data-dicom-viewer] element of a server-rendered page (bank pages,
// previews). Pages that draw their content later (the exam page) call DicomViewer.autoInit themselves.
import { DicomViewer } from "./dicom-viewer.js";

DicomViewer.autoInit(document);
