.PHONY: demo test assets build generate

demo:
	scripts/demo.sh

test:
	scripts/test.sh

assets:
	scripts/assets.sh

build: assets
	go build -o bin/persona ./cmd/persona

generate:
	go tool templ generate
