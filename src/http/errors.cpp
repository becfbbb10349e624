// Text and status code for each ParseError (the table in parser.hpp). Static strings only:
// building an error never allocates.

#include "http/parser.hpp"

namespace ramjet::http {

const char* to_string(ParseError error) {
  switch (error) {
    case ParseError::kNone: return "no error";
    case ParseError::kBadRequestLine: return "malformed request line";
    case ParseError::kBadMethod: return "invalid method";
    case ParseError::kBadTarget: return "invalid request target";
    case ParseError::kTargetTooLong: return "request target too long";
    case ParseError::kBadVersion: return "malformed HTTP version";
    case ParseError::kUnsupportedVersion: return "unsupported HTTP version";
    case ParseError::kBadHeaderName: return "invalid header field name";
    case ParseError::kBadHeaderValue: return "invalid header field value";
    case ParseError::kObsFold: return "obsolete line folding";
    case ParseError::kHeadersTooLarge: return "header section too large";
    case ParseError::kTooManyHeaders: return "too many header fields";
    case ParseError::kBadContentLength: return "invalid Content-Length";
    case ParseError::kConflictingContentLength: return "conflicting Content-Length";
    case ParseError::kContentLengthAndTransferEncoding:
      return "both Content-Length and Transfer-Encoding";
    case ParseError::kBadTransferEncoding: return "invalid Transfer-Encoding";
    case ParseError::kUnknownTransferCoding: return "unknown transfer coding";
    case ParseError::kMissingHost: return "missing or repeated Host";
    case ParseError::kBadStatusLine: return "malformed status line";
    case ParseError::kBadChunkSize: return "invalid chunk size line";
    case ParseError::kChunkTooLarge: return "chunk too large";
    case ParseError::kBadChunkTerminator: return "missing CRLF after chunk data";
    case ParseError::kBadTrailer: return "invalid trailer field";
    case ParseError::kBareLf: return "bare LF line ending";
  }
  return "unknown parse error";
}

int status_for(ParseError error) {
  switch (error) {
    case ParseError::kNone: return 500;  // not a failure: asking is a caller bug
    case ParseError::kTargetTooLong: return 414;
    case ParseError::kUnsupportedVersion: return 505;
    case ParseError::kHeadersTooLarge:
    case ParseError::kTooManyHeaders: return 431;
    case ParseError::kUnknownTransferCoding: return 501;
    case ParseError::kBadStatusLine: return 502;
    case ParseError::kChunkTooLarge: return 413;
    case ParseError::kBadRequestLine:
    case ParseError::kBadMethod:
    case ParseError::kBadTarget:
    case ParseError::kBadVersion:
    case ParseError::kBadHeaderName:
    case ParseError::kBadHeaderValue:
    case ParseError::kObsFold:
    case ParseError::kBadContentLength:
    case ParseError::kConflictingContentLength:
    case ParseError::kContentLengthAndTransferEncoding:
    case ParseError::kBadTransferEncoding:
    case ParseError::kMissingHost:
    case ParseError::kBadChunkSize:
    case ParseError::kBadChunkTerminator:
    case ParseError::kBadTrailer:
    case ParseError::kBareLf: return 400;
  }
  return 400;
}

}  // namespace ramjet::http
