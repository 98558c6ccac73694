package control

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

// openAPIYAML describes the control API; it is kept as YAML for people
// and served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI is the control API's OpenAPI 3 document, as JSON.
var OpenAPI = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

func (a *API) openAPI(c echo.Context) error {
	b, err := OpenAPI()
	if err != nil {
		return err // a broken build: the test catches it first
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}
