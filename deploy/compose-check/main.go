// Command compose-check loads a compose file with compose-go, the parser Docker Compose itself
// uses, so that the file is checked without a Docker engine. It interpolates the variables of
// one env file (and nothing from the calling environment), enables the given profiles, validates
// the result against the Compose schema and prints JSON: the normalised project and every
// variable the file interpolates.
//
//	go run . -file ../../docker-compose.yml -env-file ../.env.example -profiles sandbox
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

type variable struct {
	Name     string `json:"name"`
	Default  string `json:"default,omitempty"`
	Required bool   `json:"required"`
}

type report struct {
	Project   *types.Project `json:"project"`
	Variables []variable     `json:"variables"`
}

func main() {
	file := flag.String("file", "docker-compose.yml", "the compose file")
	envFile := flag.String("env-file", "deploy/.env.example", "the only source of variables")
	profiles := flag.String("profiles", "", "comma-separated profiles to enable")
	flag.Parse()

	if err := run(*file, *envFile, *profiles); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(file, envFile, profiles string) error {
	project, err := load(file, envFile, splitList(profiles))
	if err != nil {
		return fmt.Errorf("%s is not a valid compose file: %w", file, err)
	}

	variables, err := interpolated(file)
	if err != nil {
		return err
	}

	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(report{Project: project, Variables: variables})
}

func load(file, envFile string, profiles []string) (*types.Project, error) {
	absolute, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}

	options, err := cli.NewProjectOptions(
		[]string{absolute},
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(context.Background())
}

// interpolated lists the variables the file uses, as `docker compose config --variables` does.
func interpolated(file string) ([]variable, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}

	var model map[string]any
	if err := yaml.Unmarshal(content, &model); err != nil {
		return nil, err
	}

	found := template.ExtractVariables(model, template.DefaultPattern)
	variables := make([]variable, 0, len(found))
	for _, v := range found {
		variables = append(variables, variable{Name: v.Name, Default: v.DefaultValue, Required: v.Required})
	}
	sort.Slice(variables, func(i, j int) bool { return variables[i].Name < variables[j].Name })
	return variables, nil
}

func splitList(list string) []string {
	var items []string
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
