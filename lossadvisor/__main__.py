from lossadvisor.cli import main

main()
