print("talkingface: commands arrive with the pipeline issues")
