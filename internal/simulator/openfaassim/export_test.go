package openfaassim

import "net/http"

// CheckExchange runs the spec checks on a request and a made-up answer, as if the
// Server had given it, so that tests can prove the answer checks report what they should.
func (s *Server) CheckExchange(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) {
	s.checkResponse(s.checkRequest(r, reqBody), status, header, respBody)
}
