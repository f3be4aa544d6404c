module dev.echoplatform/loadgen

go 1.24
