#include "fixtures.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <stdexcept>

namespace fg::scan::testing {
namespace {

la_ssize_t Append(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

std::string Write(const Entries& entries, bool zip) {
  std::string out;
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_add_filter_gzip(a);
    archive_write_set_format_raw(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, &out, nullptr, Append, nullptr) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a));
  }
  for (const auto& [name, content] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace

std::string Zip(const Entries& entries) { return Write(entries, true); }
std::string Gzip(const std::string& content) { return Write({{"data", content}}, false); }

std::string Utf16(const std::string& ascii, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char c : ascii) {
    if (little_endian) {
      out.push_back(c);
      out.push_back('\0');
    } else {
      out.push_back('\0');
      out.push_back(c);
    }
  }
  return out;
}

std::string Docx(const std::string& body) {
  return Zip({{"[Content_Types].xml",
               "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/"
               "2006/content-types\"><Override PartName=\"/word/document.xml\" "
               "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml."
               "document.main+xml\"/></Types>"},
              {"_rels/.rels", "<?xml version=\"1.0\"?><Relationships/>"},
              {"word/document.xml",
               "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
               "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/"
               "main\"><w:body>" +
                   body + "</w:body></w:document>"}});
}

std::string Xlsx(const std::string& shared_string, const std::string& sheet_cells) {
  return Zip(
      {{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"},
       {"xl/workbook.xml",
        "<?xml version=\"1.0\"?><workbook><sheets><sheet name=\"S\" "
        "sheetId=\"1\"/></sheets></workbook>"},
       {"xl/sharedStrings.xml",
        "<?xml version=\"1.0\"?><sst count=\"1\"><si><t>" + shared_string + "</t></si></sst>"},
       {"xl/worksheets/sheet1.xml", "<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\">" +
                                        sheet_cells + "</row></sheetData></worksheet>"}});
}

std::string Odt(const std::string& paragraph) {
  return Zip({{"mimetype", "application/vnd.oasis.opendocument.text"},
              {"META-INF/manifest.xml", "<?xml version=\"1.0\"?><manifest/>"},
              {"content.xml",
               "<?xml version=\"1.0\"?><office:document-content><office:body><office:text>"
               "<text:h>Title</text:h><text:p>" +
                   paragraph + "</text:p></office:text></office:body></office:document-content>"}});
}

std::string Pdf(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 12 Tf 72 720 Td 14 TL\n";
  for (const std::string& line : lines) content += "(" + line + ") Tj T*\n";
  content += "ET\n";
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
    if (out.size() % 77 == 76) out += "\n";
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += "=";
  }
  return out;
}

bool HoldsFullPan(const std::string& output) {
  std::string digits;
  for (char c : output) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '/') {
      digits.push_back('|');  // other bytes break a separated run
    }
  }
  return output.find(kTestPanDigits) != std::string::npos ||
         digits.find(kTestPanDigits) != std::string::npos;
}

}  // namespace fg::scan::testing
