module github.com/seed96fbdc48/inet

go 1.26.0

require golang.org/x/sys v0.50.0
