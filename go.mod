module keyturn

go 1.26.8
